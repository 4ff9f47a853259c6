package httpapi

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
)

// signupJSON is a sign-up as its worker sees it.
type signupJSON struct {
	SignupID    string     `json:"signup_id"`
	ActivityID  string     `json:"activity_id"`
	Status      string     `json:"status"`
	Position    *int       `json:"position,omitempty"`
	Code        string     `json:"code"`
	QRPayload   string     `json:"qr_payload"`
	CreatedAt   time.Time  `json:"created_at"`
	PromotedAt  *time.Time `json:"promoted_at,omitempty"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
}

func toSignupJSON(sg activity.Signup) signupJSON {
	out := signupJSON{SignupID: sg.ID.String(), ActivityID: sg.ActivityID.String(), Status: string(sg.Status),
		Code: sg.Code, QRPayload: sg.QRPayload(), CreatedAt: wireTime(sg.CreatedAt), PromotedAt: wireTimePtr(sg.PromotedAt),
		CancelledAt: wireTimePtr(sg.CancelledAt), CheckedInAt: wireTimePtr(sg.CheckedInAt)}
	if sg.Status == activity.SignupWaitlisted {
		p := sg.Position
		out.Position = &p
	}
	return out
}

func (s *server) signUp(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	sg, replay, err := s.Activities.SignUp(c.Request().Context(), workerID(c), id, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if replay {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, toSignupJSON(sg))
}

func (s *server) mySignup(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	sg, err := s.Activities.MySignup(c.Request().Context(), workerID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSignupJSON(sg))
}

func (s *server) cancelSignup(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	sg, _, err := s.Activities.Cancel(c.Request().Context(), workerID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSignupJSON(sg))
}

// rosterEntryJSON is a sign-up as staff see it: the worker's name and phone
// masked, never the code (staff check people in with the code the worker
// shows).
type rosterEntryJSON struct {
	SignupID      string     `json:"signup_id"`
	Status        string     `json:"status"`
	Position      *int       `json:"position,omitempty"`
	Name          string     `json:"name"`
	Phone         string     `json:"phone"`
	NoShow        bool       `json:"no_show"`
	WorkerNoShows int        `json:"worker_no_shows"`
	Number        int64      `json:"number"`
	CreatedAt     time.Time  `json:"created_at"`
	PromotedAt    *time.Time `json:"promoted_at,omitempty"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
}

func toRosterEntryJSON(e activity.RosterEntry) rosterEntryJSON {
	sg := e.Signup
	out := rosterEntryJSON{SignupID: sg.ID.String(), Status: string(sg.Status), Name: e.Attendee.Name, Phone: e.Attendee.Phone,
		NoShow: e.NoShow, WorkerNoShows: e.Attendee.NoShows, Number: sg.QueueNo, CreatedAt: wireTime(sg.CreatedAt),
		PromotedAt: wireTimePtr(sg.PromotedAt), CancelledAt: wireTimePtr(sg.CancelledAt), CheckedInAt: wireTimePtr(sg.CheckedInAt)}
	if sg.Status == activity.SignupWaitlisted {
		p := sg.Position
		out.Position = &p
	}
	return out
}

type rosterPage struct {
	ActivityID string            `json:"activity_id"`
	Capacity   int               `json:"capacity"`
	Confirmed  int               `json:"confirmed"`
	Waitlisted int               `json:"waitlisted"`
	Items      []rosterEntryJSON `json:"items"`
	// NextCursor is the number of the page's last sign-up; pass it as
	// ?cursor= for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

func (s *server) roster(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	var p apperr.Problems
	q := c.QueryParams()
	limit := queryInt(&p, q, "limit", 200, 1, 1000)
	after := int64(0)
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || !digits(v) {
			p.Add("cursor", "format", "is not a cursor this server issued")
		}
		after = n
	}
	if err := p.Err(); err != nil {
		return err
	}
	page := rosterPage{ActivityID: id.String(), Items: []rosterEntryJSON{}}
	a, err := s.Activities.Roster(c.Request().Context(), principal(c), id, after, limit+1, func(e activity.RosterEntry) error {
		page.Items = append(page.Items, toRosterEntryJSON(e))
		return nil
	})
	if err != nil {
		return err
	}
	page.Capacity, page.Confirmed, page.Waitlisted = a.Capacity, a.Confirmed, a.Waitlisted
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].Number, 10)
	}
	return c.JSON(http.StatusOK, page)
}

type checkInRequest struct {
	Code string `json:"code"`
}

func (s *server) checkInSignup(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	var body checkInRequest
	if err := readJSON(c, &body); err != nil {
		return err
	}
	e, err := s.Activities.CheckIn(c.Request().Context(), principal(c), id, body.Code)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRosterEntryJSON(e))
}

// rosterCSV streams the activity's roster as CSV, UTF-8 with a byte order
// mark so that Excel shows the Chinese text, as the claims export does.
func (s *server) rosterCSV(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res := c.Response()
	started := false
	bw := bufio.NewWriterSize(res, 32<<10)
	w := csv.NewWriter(bw)
	start := func() error {
		if started {
			return nil
		}
		started = true
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="roster-`+id.String()+`.csv"`)
		res.WriteHeader(http.StatusOK)
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return err
		}
		return w.Write(activity.RosterHeader)
	}
	a, err := s.Activities.Get(ctx, principal(c), id)
	if err != nil {
		return err
	}
	_, err = s.Activities.Roster(ctx, principal(c), id, 0, 0, func(e activity.RosterEntry) error {
		if err := start(); err != nil {
			return err
		}
		return w.Write(e.Record(a.Title))
	})
	if err != nil && !started {
		return err
	}
	if err == nil {
		err = start()
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "roster export failed", "request_id", requestID(c), "error", err)
		}
		return nil
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil
	}
	_ = bw.Flush()
	return nil
}
