//! Settings that change how a representation is rendered.

/// Rendering settings; times are shown in `tz`, as Rails showed them in `config.time_zone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub tz: chrono_tz::Tz,
    /// A request's `number` is its id plus this (1000 in the original).
    pub request_number_base: i64,
}

impl RenderOptions {
    pub fn new(tz: chrono_tz::Tz) -> RenderOptions {
        RenderOptions {
            tz,
            ..RenderOptions::default()
        }
    }

    pub fn request_number(&self, request_id: i64) -> i64 {
        request_id + self.request_number_base
    }
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            tz: chrono_tz::Tz::UTC,
            request_number_base: 1000,
        }
    }
}
