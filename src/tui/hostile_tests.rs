//! Hostile text (escape sequences, control characters) never reaches the terminal raw.
