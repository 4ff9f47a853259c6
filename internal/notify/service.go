package notify

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Subscription is how many more messages of a template a worker has
// accepted.
type Subscription struct {
	TemplateID string
	Remaining  int
}

// SubscriptionStore keeps workers' acceptances.
type SubscriptionStore interface {
	// Accept adds one acceptance of each of templateIDs (at most
	// MaxRemaining kept per template) and returns the worker's remaining
	// acceptances of every template in all, in its order (0 for none).
	Accept(ctx context.Context, workerID uuid.UUID, templateIDs, all []string, now time.Time) ([]Subscription, error)
}

// MaxRemaining is the most acceptances of one template kept for a worker
// (the schema's limit too): more would only be refused by WeChat later.
const MaxRemaining = 100

// MaxAcceptedAtOnce is the most template ids one request may report:
// wx.requestSubscribeMessage asks for at most 3 at a time, so a few calls'
// worth is plenty.
const MaxAcceptedAtOnce = 20

// Service records the subscriptions workers accept in the mini-program.
type Service struct {
	Store     SubscriptionStore
	Templates Templates
	// Now is time.Now when nil.
	Now func() time.Time
}

// Accept records that the worker accepted each of templateIDs once in
// wx.requestSubscribeMessage: each allows one more message of that template.
// It returns the worker's remaining acceptances of every configured
// template. A template id the configuration does not send, or one given
// twice, is Invalid, and nothing is recorded.
func (s *Service) Accept(ctx context.Context, workerID uuid.UUID, templateIDs []string) ([]Subscription, error) {
	var p apperr.Problems
	known := s.Templates.TemplateIDs()
	switch {
	case templateIDs == nil:
		p.Add("template_ids", "required", "is required")
	case len(templateIDs) == 0:
		p.Add("template_ids", "required", "must name at least one template")
	case len(templateIDs) > MaxAcceptedAtOnce:
		p.Add("template_ids", "too_many", "must name at most %d templates", MaxAcceptedAtOnce)
		return nil, p.Err()
	}
	for i, id := range templateIDs {
		field := "template_ids[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(known, id):
			p.Add(field, "unknown", "is not a template this service sends")
		case slices.Index(templateIDs, id) < i:
			p.Add(field, "duplicate", "names the same template as an earlier one")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.Store.Accept(ctx, workerID, templateIDs, known, now())
}
