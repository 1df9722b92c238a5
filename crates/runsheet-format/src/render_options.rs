//! Settings that change how a representation is rendered.

/// Rendering settings; times are shown in `tz`, as Rails showed them in `config.time_zone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub tz: chrono_tz::Tz,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            tz: chrono_tz::Tz::UTC,
        }
    }
}
