#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    let _ = trent_policy::Policy::parse(data);
});
