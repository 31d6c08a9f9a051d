"""Personal data as PIPL requires (docs/security.md R25–R30): the classification registry, versioned
notices and consent records, a person's data export and erasure, and the nightly retention job."""
