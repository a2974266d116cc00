//! The one wrapper around every call: parse and validate the request, run the operation,
//! record the audit event, and turn the outcome into a response body or a wire error.

use trent_api::{ApiError, ErrorKind, Operation};
use trent_audit::{AuditEvent, Resource, UserIdentity};
use trent_types::{KeyLastUsageTrackingOperation, Timestamp};

use crate::ops::{self, Ctx, Handler};
use crate::{Caller, Error, Rejected, Service};

impl Service {
    /// Runs `operation` for an authenticated caller on a JSON request body and returns the
    /// JSON response body. Every call, whatever its outcome, leaves one audit event; a call
    /// that changed state returns only after its event is durable.
    pub async fn call(
        &self,
        caller: &Caller,
        operation: Operation,
        body: &[u8],
    ) -> Result<Vec<u8>, ApiError> {
        use Operation as O;
        match operation {
            O::CancelKeyDeletion => self.run::<ops::cancel_key_deletion::Op>(caller, body).await,
            O::CreateAlias => self.run::<ops::create_alias::Op>(caller, body).await,
            O::CreateGrant => self.run::<ops::create_grant::Op>(caller, body).await,
            O::CreateKey => self.run::<ops::create_key::Op>(caller, body).await,
            O::Decapsulate => self.run::<ops::decapsulate::Op>(caller, body).await,
            O::Decrypt => self.run::<ops::decrypt::Op>(caller, body).await,
            O::DeleteAlias => self.run::<ops::delete_alias::Op>(caller, body).await,
            O::DeleteImportedKeyMaterial => {
                self.run::<ops::delete_imported_key_material::Op>(caller, body)
                    .await
            }
            O::DeriveSharedSecret => {
                self.run::<ops::derive_shared_secret::Op>(caller, body)
                    .await
            }
            O::DescribeKey => self.run::<ops::describe_key::Op>(caller, body).await,
            O::DisableKey => self.run::<ops::disable_key::Op>(caller, body).await,
            O::DisableKeyRotation => {
                self.run::<ops::disable_key_rotation::Op>(caller, body)
                    .await
            }
            O::EnableKey => self.run::<ops::enable_key::Op>(caller, body).await,
            O::EnableKeyRotation => self.run::<ops::enable_key_rotation::Op>(caller, body).await,
            O::Encapsulate => self.run::<ops::encapsulate::Op>(caller, body).await,
            O::Encrypt => self.run::<ops::encrypt::Op>(caller, body).await,
            O::GenerateDataKey => self.run::<ops::generate_data_key::Op>(caller, body).await,
            O::GenerateDataKeyWithoutPlaintext => {
                self.run::<ops::generate_data_key_without_plaintext::Op>(caller, body)
                    .await
            }
            O::GenerateDataKeyPair => {
                self.run::<ops::generate_data_key_pair::Op>(caller, body)
                    .await
            }
            O::GenerateDataKeyPairWithoutPlaintext => {
                self.run::<ops::generate_data_key_pair_without_plaintext::Op>(caller, body)
                    .await
            }
            O::GenerateMac => self.run::<ops::generate_mac::Op>(caller, body).await,
            O::GenerateRandom => self.run::<ops::generate_random::Op>(caller, body).await,
            O::GetKeyLastUsage => self.run::<ops::get_key_last_usage::Op>(caller, body).await,
            O::GetKeyPolicy => self.run::<ops::get_key_policy::Op>(caller, body).await,
            O::GetKeyRotationStatus => {
                self.run::<ops::get_key_rotation_status::Op>(caller, body)
                    .await
            }
            O::GetParametersForImport => {
                self.run::<ops::get_parameters_for_import::Op>(caller, body)
                    .await
            }
            O::GetPublicKey => self.run::<ops::get_public_key::Op>(caller, body).await,
            O::ImportKeyMaterial => self.run::<ops::import_key_material::Op>(caller, body).await,
            O::ListAliases => self.run::<ops::list_aliases::Op>(caller, body).await,
            O::ListGrants => self.run::<ops::list_grants::Op>(caller, body).await,
            O::ListKeyPolicies => self.run::<ops::list_key_policies::Op>(caller, body).await,
            O::ListKeyRotations => self.run::<ops::list_key_rotations::Op>(caller, body).await,
            O::ListKeys => self.run::<ops::list_keys::Op>(caller, body).await,
            O::ListResourceTags => self.run::<ops::list_resource_tags::Op>(caller, body).await,
            O::ListRetirableGrants => {
                self.run::<ops::list_retirable_grants::Op>(caller, body)
                    .await
            }
            O::PutKeyPolicy => self.run::<ops::put_key_policy::Op>(caller, body).await,
            O::ReEncrypt => self.run::<ops::re_encrypt::Op>(caller, body).await,
            O::ReplicateKey => self.run::<ops::replicate_key::Op>(caller, body).await,
            O::RetireGrant => self.run::<ops::retire_grant::Op>(caller, body).await,
            O::RevokeGrant => self.run::<ops::revoke_grant::Op>(caller, body).await,
            O::RotateKeyOnDemand => {
                self.run::<ops::rotate_key_on_demand::Op>(caller, body)
                    .await
            }
            O::ScheduleKeyDeletion => {
                self.run::<ops::schedule_key_deletion::Op>(caller, body)
                    .await
            }
            O::Sign => self.run::<ops::sign::Op>(caller, body).await,
            O::TagResource => self.run::<ops::tag_resource::Op>(caller, body).await,
            O::UntagResource => self.run::<ops::untag_resource::Op>(caller, body).await,
            O::UpdateAlias => self.run::<ops::update_alias::Op>(caller, body).await,
            O::UpdateKeyDescription => {
                self.run::<ops::update_key_description::Op>(caller, body)
                    .await
            }
            O::UpdatePrimaryRegion => {
                self.run::<ops::update_primary_region::Op>(caller, body)
                    .await
            }
            O::Verify => self.run::<ops::verify::Op>(caller, body).await,
            O::VerifyMac => self.run::<ops::verify_mac::Op>(caller, body).await,
            other => {
                let err = ApiError::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is not supported by this Trent server yet.",
                        other.name()
                    ),
                );
                let now = self.clock().now();
                let event = self.event(now, caller, other.name(), serde_json::Value::Null);
                self.finish_event(now, event, other.read_only(), Some(&err), Vec::new())
                    .await;
                Err(err)
            }
        }
    }

    async fn run<H: Handler>(&self, caller: &Caller, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let now = self.clock().now();
        let (params, result, resources) = match trent_api::parse_request::<H::Request>(body) {
            Err(e) => (serde_json::Value::Null, Err(Error::Client(e)), Vec::new()),
            Ok(mut req) => {
                let mut params = H::audit_params(&req);
                // CloudTrail leaves out the members a request did not carry.
                if let serde_json::Value::Object(map) = &mut params {
                    map.retain(|_, v| !v.is_null());
                }
                let tokens = trent_api::Validate::take_grant_tokens(&mut req);
                let cx = Ctx::new(self, caller).with_grant_tokens(tokens);
                let result = H::run(&cx, req).await;
                (params, result, cx.into_resources())
            }
        };
        let read_only = H::SPEC.operation.read_only();
        let event = self.event(now, caller, H::SPEC.operation.name(), params);
        match result {
            Ok(response) => {
                let body = trent_api::to_body(&response);
                if let Some(operation) =
                    KeyLastUsageTrackingOperation::parse(H::SPEC.operation.name())
                {
                    self.note_use(
                        &resources,
                        operation,
                        now,
                        &caller.request_id,
                        &event.event_id,
                    );
                }
                // A change is acknowledged only once its audit event is durable.
                if !self
                    .finish_event(now, event, read_only, None, resources)
                    .await
                    && !read_only
                {
                    return Err(
                        Error::internal("audit trail unavailable").into_api(&caller.request_id)
                    );
                }
                Ok(body)
            }
            Err(e) => {
                let err = e.into_api(&caller.request_id);
                self.finish_event(now, event, read_only, Some(&err), resources)
                    .await;
                Err(err)
            }
        }
    }

    fn event(
        &self,
        now: Timestamp,
        caller: &Caller,
        name: &str,
        params: serde_json::Value,
    ) -> AuditEvent {
        let mut e = AuditEvent::new(now, name, &caller.request_id);
        e.user_identity = UserIdentity {
            identity_type: Some(caller.principal.identity_type()),
            principal_id: Some(caller.access_key_id.clone()),
            arn: Some(caller.principal.as_str().to_owned()),
            account_id: Some(caller.account().as_str().to_owned()),
            access_key_id: Some(caller.access_key_id.clone()),
            user_name: caller.principal.name().map(str::to_owned),
        };
        e.aws_region = caller.region.as_str().to_owned();
        e.source_ip_address = caller.source_ip.to_string();
        e.user_agent = caller.user_agent.clone();
        e.request_parameters = params;
        e.recipient_account_id = caller.account().as_str().to_owned();
        e
    }

    /// Completes and records an event; returns whether it was recorded. Durable (waited
    /// for) when the call changed state.
    async fn finish_event(
        &self,
        now: Timestamp,
        mut event: AuditEvent,
        read_only: bool,
        error: Option<&ApiError>,
        resources: Vec<String>,
    ) -> bool {
        event.read_only = read_only;
        if let Some(err) = error {
            event.error_code = Some(err.kind.name().to_owned());
            event.error_message = Some(err.message.clone());
        }
        event.resources = resources
            .into_iter()
            .map(|arn| Resource {
                account_id: arn.split(':').nth(4).unwrap_or_default().to_owned(),
                resource_type: "AWS::KMS::Key",
                arn,
            })
            .collect();
        let outcome = if read_only || error.is_some() {
            self.audit().record(now, event).await
        } else {
            self.audit().record_durable(now, event).await
        };
        if outcome.is_err() {
            tracing::error!("audit event could not be recorded");
        }
        outcome.is_ok()
    }

    /// Records the audit event of a request refused before it had a caller (authentication
    /// failures, unknown operations, oversized bodies).
    pub async fn audit_rejected(&self, rejected: &Rejected, error: &ApiError) {
        let now = self.clock().now();
        let mut e = AuditEvent::new(
            now,
            rejected.operation.map_or("Unknown", |o| o.name()),
            &rejected.request_id,
        );
        e.user_identity = UserIdentity {
            access_key_id: rejected.access_key_id.clone(),
            ..UserIdentity::default()
        };
        e.aws_region = rejected.region.clone().unwrap_or_default();
        e.source_ip_address = rejected.source_ip.to_string();
        e.user_agent = rejected.user_agent.clone();
        e.error_code = Some(error.kind.name().to_owned());
        e.error_message = Some(error.message.clone());
        e.read_only = rejected.operation.is_none_or(|o| o.read_only());
        if self.audit().record(now, e).await.is_err() {
            tracing::error!("audit event could not be recorded");
        }
    }
}
