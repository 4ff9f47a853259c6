package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

const signupColumns = `id, activity_id, worker_id, code, status, queue_no, created_at, promoted_at, cancelled_at,
	checked_in_at, checked_in_by`

// positionColumn is a waitlisted sign-up's place in line: the waitlisted
// sign-ups of its activity up to its own number (0 for any other).
const positionColumn = `CASE WHEN s.status = 'waitlisted' THEN (SELECT count(*)::int FROM activity_signups q
	WHERE q.activity_id = s.activity_id AND q.status = 'waitlisted' AND q.queue_no <= s.queue_no) ELSE 0 END`

// scanSignup reads signupColumns, then any extra columns into extra.
func scanSignup(row pgx.Row, extra ...any) (activity.Signup, error) {
	var (
		sg                      activity.Signup
		status                  string
		promoted, cancelled, in *time.Time
		by                      *string
	)
	dest := append([]any{&sg.ID, &sg.ActivityID, &sg.WorkerID, &sg.Code, &status, &sg.QueueNo, &sg.CreatedAt,
		&promoted, &cancelled, &in, &by}, extra...)
	if err := row.Scan(dest...); err != nil {
		return sg, err
	}
	sg.Status = activity.SignupStatus(status)
	for _, t := range []struct{ dst, src *time.Time }{{&sg.PromotedAt, promoted}, {&sg.CancelledAt, cancelled}, {&sg.CheckedInAt, in}} {
		if t.src != nil {
			*t.dst = *t.src
		}
	}
	if by != nil {
		sg.CheckedInBy = *by
	}
	return sg, nil
}

// prefixed qualifies each of a list of columns with prefix ("s.").
func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Constraints a sign-up may break.
const (
	onePerWorker = "activity_signups_one_per_worker"
	signupCode   = "activity_signups_activity_id_code_key"
	signupKey    = "activity_signup_keys_pkey"
)

// signupByKey finds the sign-up the worker made with the key, as it stands
// now, with its position.
func (s *ActivityStore) signupByKey(ctx context.Context, workerID uuid.UUID, key string) (activity.Signup, error) {
	var position int
	sg, err := scanSignup(s.db.Pool.QueryRow(ctx, `SELECT `+prefixed("s.", signupColumns)+`, `+positionColumn+`
		FROM activity_signup_keys k JOIN activity_signups s ON s.id = k.signup_id
		WHERE k.worker_id = $1 AND k.idempotency_key = $2`, workerID, key), &position)
	sg.Position = position
	return sg, err
}

// SignUp implements activity.Store. The Idempotency-Key, the activity and
// the worker are read in one pipelined round trip, without locks; then one
// statement, run as a transaction of its own, locks the activity's row
// (as it stood when checked: its version), takes a free place or the next
// number in line by moving the row's counters, and stores the sign-up and
// its key. The row is locked only for that statement and its commit, so
// sign-ups on one busy activity queue on it for microseconds; the schema
// bounds confirmed by the capacity whatever runs, and a sign-up refused by
// a constraint (a second one of the worker, a key replayed concurrently)
// rolls its counters back with it.
func (s *ActivityStore) SignUp(ctx context.Context, n activity.NewSignup, check activity.SignupCheck) (activity.Signup, bool, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT `+prefixed("s.", signupColumns)+`, `+positionColumn+`
		FROM activity_signup_keys k JOIN activity_signups s ON s.id = k.signup_id
		WHERE k.worker_id = $1 AND k.idempotency_key = $2`, n.WorkerID, n.IdempotencyKey)
	b.Queue(`SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, n.ActivityID)
	b.Queue(participantQuery, n.WorkerID)
	br := s.db.Pool.SendBatch(ctx, b)
	var position int
	prev, prevErr := scanSignup(br.QueryRow(), &position)
	a, actErr := scanActivity(br.QueryRow())
	var w activity.Participant
	wErr := br.QueryRow().Scan(&w.ID, &w.Member, &w.Occupation, &w.DistrictCode)
	if err := br.Close(); err != nil {
		return activity.Signup{}, false, interpretError(err, "sign-up")
	}
	switch {
	case prevErr == nil:
		return replayed(prev, position, n.ActivityID)
	case !errors.Is(prevErr, pgx.ErrNoRows):
		return activity.Signup{}, false, interpretError(prevErr, "sign-up")
	case actErr != nil:
		return activity.Signup{}, false, interpretError(actErr, "activity")
	case wErr != nil:
		return activity.Signup{}, false, interpretError(wErr, "worker")
	}
	if err := check(a, w); err != nil {
		return activity.Signup{}, false, err
	}
	var (
		status string
		queue  int64
		line   int
	)
	err := s.db.Pool.QueryRow(ctx, `WITH a AS (
			UPDATE activities SET
				confirmed  = confirmed + (confirmed < capacity)::int,
				waitlisted = waitlisted + (confirmed >= capacity)::int,
				queue_seq  = queue_seq + 1,
				placed_seq = CASE WHEN confirmed < capacity THEN queue_seq + 1 ELSE placed_seq END
			WHERE id = $1 AND version = $2 AND status = 'published'
			RETURNING queue_seq, placed_seq, waitlisted
		), s AS (
			INSERT INTO activity_signups (id, activity_id, worker_id, code, status, queue_no, created_at)
			SELECT $3, $1, $4, $5, CASE WHEN a.placed_seq = a.queue_seq THEN 'confirmed' ELSE 'waitlisted' END, a.queue_seq, $6
			FROM a
			RETURNING status, queue_no
		), k AS (
			INSERT INTO activity_signup_keys (worker_id, idempotency_key, signup_id, created_at)
			SELECT $4, $7, $3, $6 FROM s
		)
		SELECT s.status, s.queue_no, a.waitlisted FROM s, a`,
		n.ActivityID, a.Version, n.ID, n.WorkerID, n.Code, n.CreatedAt, n.IdempotencyKey).Scan(&status, &queue, &line)
	switch c := constraintOf(err); {
	case errors.Is(err, pgx.ErrNoRows):
		// Edited, published, cancelled or finished since it was checked.
		return activity.Signup{}, false, activity.ErrChanged
	case c == signupCode:
		return activity.Signup{}, false, activity.ErrCodeTaken
	case c == signupKey || c == onePerWorker:
		// The same key made a sign-up concurrently (a retry racing its
		// first attempt), or the worker holds one already.
		prev, err := s.signupByKey(ctx, n.WorkerID, n.IdempotencyKey)
		if err == nil {
			return replayed(prev, prev.Position, n.ActivityID)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return activity.Signup{}, false, interpretError(err, "sign-up")
		}
		return activity.Signup{}, false, apperr.New(apperr.AlreadySignedUp, "you have already signed up for this activity; see GET /v1/activities/{id}/signups/me")
	case err != nil:
		return activity.Signup{}, false, interpretError(err, "sign-up")
	}
	out := activity.Signup{ID: n.ID, ActivityID: n.ActivityID, WorkerID: n.WorkerID, Code: n.Code,
		Status: activity.SignupStatus(status), QueueNo: queue, CreatedAt: n.CreatedAt}
	if out.Status == activity.SignupWaitlisted {
		out.Position = line // the newest in line is the last
	}
	return out, false, nil
}

// replayed answers a retried sign-up: the sign-up the key made, or
// Conflict when the key was made for another activity.
func replayed(prev activity.Signup, position int, activityID uuid.UUID) (activity.Signup, bool, error) {
	if prev.ActivityID != activityID {
		return activity.Signup{}, false, apperr.New(apperr.Conflict, "this Idempotency-Key was used for a sign-up for another activity; make a new key for each sign-up")
	}
	prev.Position = position
	return prev, true, nil
}

// WorkerSignup implements activity.Store.
func (s *ActivityStore) WorkerSignup(ctx context.Context, activityID, workerID uuid.UUID) (activity.Signup, error) {
	var position int
	sg, err := scanSignup(s.db.Pool.QueryRow(ctx, `SELECT `+prefixed("s.", signupColumns)+`, `+positionColumn+`
		FROM activity_signups s WHERE s.activity_id = $1 AND s.worker_id = $2
		ORDER BY s.status = 'cancelled', s.created_at DESC LIMIT 1`, activityID, workerID), &position)
	if err != nil {
		return sg, interpretError(err, "sign-up")
	}
	sg.Position = position
	return sg, nil
}

// Cancel implements activity.Store.
func (s *ActivityStore) Cancel(ctx context.Context, activityID, workerID uuid.UUID, now time.Time, check func(*activity.Activity, activity.Signup) error) (activity.Signup, *activity.Signup, error) {
	var (
		out      activity.Signup
		promoted *activity.Signup
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		a, err := lockActivity(ctx, tx, activityID)
		if err != nil {
			return err
		}
		sg, err := scanSignup(tx.QueryRow(ctx, `SELECT `+signupColumns+` FROM activity_signups
			WHERE activity_id = $1 AND worker_id = $2 AND status <> 'cancelled' FOR UPDATE`, activityID, workerID))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "you hold no sign-up for this activity")
		}
		if err != nil {
			return err
		}
		if err := check(a, sg); err != nil {
			return err
		}
		out, promoted, err = cancelLocked(ctx, tx, a, sg, now)
		return err
	})
	if err != nil {
		return activity.Signup{}, nil, interpretError(err, "sign-up")
	}
	return out, promoted, nil
}

// cancelLocked cancels sign-up sg of activity a, whose row the transaction
// holds, and promotes the first in line into a place it frees.
func cancelLocked(ctx context.Context, tx pgx.Tx, a *activity.Activity, sg activity.Signup, now time.Time) (activity.Signup, *activity.Signup, error) {
	var promoted *activity.Signup
	if _, err := tx.Exec(ctx, `UPDATE activity_signups SET status = 'cancelled', cancelled_at = $2 WHERE id = $1`, sg.ID, now); err != nil {
		return sg, nil, err
	}
	was := sg.Status
	sg.Status, sg.CancelledAt = activity.SignupCancelled, now
	if was == activity.SignupWaitlisted {
		_, err := tx.Exec(ctx, `UPDATE activities SET waitlisted = waitlisted - 1 WHERE id = $1`, a.ID)
		return sg, nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE activities SET confirmed = confirmed - 1 WHERE id = $1`, a.ID); err != nil {
		return sg, nil, err
	}
	a.Confirmed--
	if a.Waitlisted == 0 {
		return sg, nil, nil
	}
	err := promote(ctx, tx, a, 1, now, func(p activity.Signup) { promoted = &p })
	return sg, promoted, err
}

// eraseSignups cancels an erased worker's places in activities that have
// not started, so that the next in line gets them, as if the worker had
// cancelled each; what they attended stays, for the rosters and counts.
// Activities are locked in the order of their ids, so two erasures cannot
// deadlock.
func eraseSignups(ctx context.Context, tx pgx.Tx, workerID uuid.UUID, now time.Time) error {
	rows, err := tx.Query(ctx, `SELECT s.activity_id FROM activity_signups s JOIN activities a ON a.id = s.activity_id
		WHERE s.worker_id = $1 AND s.status IN ('confirmed', 'waitlisted') AND a.status = 'published' AND a.starts_at > $2
		ORDER BY s.activity_id`, workerID, now)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	for _, id := range ids {
		a, err := lockActivity(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Status != activity.Published || !now.Before(a.StartsAt) {
			continue // cancelled or started since it was found: the place stays as it is
		}
		sg, err := scanSignup(tx.QueryRow(ctx, `SELECT `+signupColumns+` FROM activity_signups
			WHERE activity_id = $1 AND worker_id = $2 AND status IN ('confirmed', 'waitlisted') FOR UPDATE`, id, workerID))
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if _, _, err := cancelLocked(ctx, tx, a, sg, now); err != nil {
			return err
		}
	}
	return nil
}

// CheckIn implements activity.Store.
func (s *ActivityStore) CheckIn(ctx context.Context, activityID uuid.UUID, code string, now time.Time, actor string, check func(*activity.Activity, activity.Signup) error) (activity.RosterEntry, error) {
	var out activity.RosterEntry
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var position int
		sg, err := scanSignup(tx.QueryRow(ctx, `SELECT `+prefixed("s.", signupColumns)+`, `+positionColumn+`
			FROM activity_signups s WHERE s.activity_id = $1 AND s.code = $2 FOR UPDATE`, activityID, code), &position)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "no sign-up for this activity has this code")
		}
		if err != nil {
			return err
		}
		sg.Position = position
		a, err := scanActivity(tx.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, activityID))
		if err != nil {
			return err
		}
		if err := check(a, sg); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE activity_signups SET status = 'checked_in', checked_in_at = $2, checked_in_by = $3
			WHERE id = $1`, sg.ID, now, actor); err != nil {
			return err
		}
		sg.Status, sg.CheckedInAt, sg.CheckedInBy = activity.SignupCheckedIn, now, actor
		out.Signup = sg
		var name, phone string
		if err := tx.QueryRow(ctx, `SELECT `+attendeeColumns+` FROM workers w WHERE w.id = $1`, sg.WorkerID, now).
			Scan(&name, &phone, &out.Attendee.NoShows); err != nil {
			return err
		}
		out.Attendee.Name, out.Attendee.Phone = worker.MaskName(name), worker.MaskPhone(phone)
		return nil
	})
	return out, interpretError(err, "sign-up")
}

// noShowsOf counts a worker's no-shows at $2: confirmed sign-ups, never
// checked in, for activities that took place and have ended.
const noShowsOf = `(SELECT count(*)::int FROM activity_signups n JOIN activities na ON na.id = n.activity_id
	WHERE n.worker_id = %s AND n.status = 'confirmed' AND na.status IN ('published', 'finished') AND na.ends_at <= $2)`

// attendeeColumns are what a roster shows of the worker w, unmasked: the
// real name of their approved application when they are a member, else
// their nickname; their profile's phone, else the one their approved
// application gave; their no-shows at $2.
var attendeeColumns = `coalesce((SELECT ap.real_name FROM membership_applications ap
		WHERE ap.worker_id = w.id AND ap.status = 'approved' ORDER BY ap.decided_at DESC LIMIT 1), w.nickname, ''),
	coalesce(w.phone, (SELECT ap.phone FROM membership_applications ap
		WHERE ap.worker_id = w.id AND ap.status = 'approved' ORDER BY ap.decided_at DESC LIMIT 1), ''), ` + fmt.Sprintf(noShowsOf, "w.id")

// Roster implements activity.Store. Names and phones are masked here, so
// the unmasked ones never leave the store. The worker's name is the real
// name of their approved application when they are a member, else their
// nickname.
func (s *ActivityStore) Roster(ctx context.Context, activityID uuid.UUID, now time.Time, after int64, limit int, each func(activity.RosterEntry) error) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		a, err := scanActivity(tx.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, activityID))
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+prefixed("s.", signupColumns)+`, `+positionColumn+`,
`+attendeeColumns+`
			FROM activity_signups s JOIN workers w ON w.id = s.worker_id
			WHERE s.activity_id = $1 AND s.queue_no > $3 ORDER BY s.queue_no LIMIT nullif($4, 0)`, activityID, now, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				e           activity.RosterEntry
				name, phone string
			)
			sg, err := scanSignup(rows, &e.Signup.Position, &name, &phone, &e.Attendee.NoShows)
			if err != nil {
				return err
			}
			sg.Position = e.Signup.Position
			e.Signup = sg
			e.Attendee.Name, e.Attendee.Phone = worker.MaskName(name), worker.MaskPhone(phone)
			e.NoShow = activity.NoShow(a, sg, now)
			if err := each(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return interpretError(err, "activity")
}

// NoShows implements activity.Store.
func (s *ActivityStore) NoShows(ctx context.Context, workerID uuid.UUID, now time.Time) (int, error) {
	var n int
	err := s.db.Pool.QueryRow(ctx, `SELECT `+fmt.Sprintf(noShowsOf, "$1"), workerID, now).Scan(&n)
	return n, interpretError(err, "worker")
}
