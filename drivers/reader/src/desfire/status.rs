//! DESFire status codes (the second byte of `91 xx`) and what each means in
//! the datasheet's terms: the table the protocol layer, the errors and the
//! virtual card all read.
//!
//! What it is not for: deciding what a status means for the clerk (that is
//! [`ReaderError`](crate::ReaderError)'s wording) or framing commands and
//! answers (the protocol layer in [`desfire`](super)).

pub const OPERATION_OK: u8 = 0x00;
pub const NO_CHANGES: u8 = 0x0C;
pub const OUT_OF_EEPROM: u8 = 0x0E;
pub const ILLEGAL_COMMAND: u8 = 0x1C;
pub const INTEGRITY_ERROR: u8 = 0x1E;
pub const NO_SUCH_KEY: u8 = 0x40;
pub const LENGTH_ERROR: u8 = 0x7E;
pub const PERMISSION_DENIED: u8 = 0x9D;
pub const PARAMETER_ERROR: u8 = 0x9E;
pub const APPLICATION_NOT_FOUND: u8 = 0xA0;
pub const AUTHENTICATION_ERROR: u8 = 0xAE;
pub const ADDITIONAL_FRAME: u8 = 0xAF;
pub const BOUNDARY_ERROR: u8 = 0xBE;
pub const COMMAND_ABORTED: u8 = 0xCA;
pub const DUPLICATE_ERROR: u8 = 0xDE;
pub const FILE_NOT_FOUND: u8 = 0xF0;

/// What a status code means, in the datasheet's terms.
pub fn meaning(code: u8) -> &'static str {
    match code {
        OPERATION_OK => "success",
        NO_CHANGES => "no changes",
        OUT_OF_EEPROM => "out of memory",
        ILLEGAL_COMMAND => "command not supported",
        INTEGRITY_ERROR => "integrity error",
        NO_SUCH_KEY => "no such key",
        LENGTH_ERROR => "wrong command length",
        PERMISSION_DENIED => "permission denied",
        PARAMETER_ERROR => "wrong parameter",
        APPLICATION_NOT_FOUND => "no such application",
        AUTHENTICATION_ERROR => "authentication error",
        ADDITIONAL_FRAME => "more frames",
        BOUNDARY_ERROR => "outside the file",
        COMMAND_ABORTED => "command aborted",
        DUPLICATE_ERROR => "already exists",
        FILE_NOT_FOUND => "no such file",
        _ => "unknown status",
    }
}
