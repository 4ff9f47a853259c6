package apperr

// Refusals of a partner's API key (issue 15 §3). A request that sends
// X-Api-Key is never served as anonymous: a key that is not one Yizhan
// issued, or one revoked, is refused.
const (
	APIKeyInvalid Code = "api_key_invalid" // X-Api-Key is not a key Yizhan issued (401)
	APIKeyRevoked Code = "api_key_revoked" // X-Api-Key was revoked by an admin (401)
	QuotaExceeded Code = "quota_exceeded"  // the key's daily quota is spent until Shanghai midnight (429)
)
