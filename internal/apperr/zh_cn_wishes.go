package apperr

// The codes of micro-wishes and hardship aid (issue 12 §§2–3).
const (
	AlreadyPledged       Code = "already_pledged"        // another donor pledged the wish first (409)
	ContainsPersonalData Code = "contains_personal_data" // a wish's words hold a phone or ID-card number (422)
)
