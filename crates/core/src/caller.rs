//! Who is calling, as the server established it before the call reaches the service.

use std::net::IpAddr;
use std::sync::Arc;

use trent_types::{AccountId, PrincipalArn, Region};

use crate::Principal;

/// An authenticated caller and the facts of its request that policies and audit use.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: PrincipalArn,
    /// The principal's identity policies and tags.
    pub identity: Arc<Principal>,
    pub access_key_id: String,
    /// The region of the request's SigV4 credential scope.
    pub region: Region,
    pub source_ip: IpAddr,
    pub user_agent: String,
    pub secure_transport: bool,
    /// The `x-amzn-RequestId` of the request.
    pub request_id: String,
}

impl Caller {
    pub fn account(&self) -> &AccountId {
        self.principal.account()
    }
}

/// What is known of a request that failed before a caller was established (authentication
/// failures), for its audit event.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub operation: Option<trent_api::Operation>,
    /// The access key id the request claimed, if it named one.
    pub access_key_id: Option<String>,
    pub region: Option<String>,
    pub source_ip: IpAddr,
    pub user_agent: String,
    pub request_id: String,
}
