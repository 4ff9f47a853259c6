package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/search"
)

// availableSearchLimit is how many nearest stations are looked at to find,
// for each available offer, the nearest one that hands it out.
const availableSearchLimit = 200

type limitJSON struct {
	Count  int    `json:"count"`
	Period string `json:"period"`
}

type weeklyJSON struct {
	Days []string `json:"days"`
	From string   `json:"from"`
	To   string   `json:"to"`
}

type windowJSON struct {
	StartsAt time.Time   `json:"starts_at"`
	EndsAt   time.Time   `json:"ends_at"`
	Weekly   *weeklyJSON `json:"weekly,omitempty"`
}

type eligibilityJSON struct {
	MembersOnly   bool     `json:"members_only"`
	Occupations   []string `json:"occupations"`
	DistrictCodes []string `json:"district_codes"`
	// DistrictNames names district_codes, in the same order.
	DistrictNames []string `json:"district_names"`
}

type offerJSON struct {
	ID             string          `json:"id"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Category       string          `json:"category"`
	TotalStock     *int            `json:"total_stock"`
	RemainingStock *int            `json:"remaining_stock"`
	PerWorkerLimit limitJSON       `json:"per_worker_limit"`
	Window         windowJSON      `json:"window"`
	Eligibility    eligibilityJSON `json:"eligibility"`
	RedeemAt       []string        `json:"redeem_at"`
	Status         string          `json:"status"`
	Welcome        bool            `json:"welcome"`
	Version        int64           `json:"version"`
	CreatedAt      time.Time       `json:"created_at"`
	CreatedBy      string          `json:"created_by"`
	UpdatedAt      time.Time       `json:"updated_at"`
	UpdatedBy      string          `json:"updated_by"`
}

func toWindowJSON(w benefit.Window) windowJSON {
	out := windowJSON{StartsAt: wireTime(w.StartsAt), EndsAt: wireTime(w.EndsAt)}
	if wk := w.Weekly; wk != nil {
		days := make([]string, len(wk.Days))
		for i, d := range wk.Days {
			days[i] = benefit.DayNames[d]
		}
		out.Weekly = &weeklyJSON{Days: days, From: benefit.FormatClock(wk.From), To: benefit.FormatClock(wk.To)}
	}
	return out
}

func remaining(o *benefit.Offer) *int {
	if !o.Limited() {
		return nil
	}
	n := o.Remaining
	return &n
}

func toOfferJSON(o *benefit.Offer) offerJSON {
	out := offerJSON{
		ID: o.ID.String(), Title: o.Title, Description: o.Description, Category: string(o.Category),
		TotalStock: o.TotalStock, RemainingStock: remaining(o),
		PerWorkerLimit: limitJSON{o.PerWorker.Count, string(o.PerWorker.Period)},
		Window:         toWindowJSON(o.Window),
		Eligibility: eligibilityJSON{MembersOnly: o.Eligibility.MembersOnly, Occupations: nonNil(o.Eligibility.Occupations),
			DistrictCodes: nonNil(o.Eligibility.DistrictCodes), DistrictNames: districtNames(o.Eligibility.DistrictCodes)},
		RedeemAt: make([]string, 0, len(o.RedeemAt)),
		Status:   string(o.Status), Welcome: o.Welcome, Version: o.Version,
		CreatedAt: wireTime(o.CreatedAt), CreatedBy: o.CreatedBy, UpdatedAt: wireTime(o.UpdatedAt), UpdatedBy: o.UpdatedBy,
	}
	for _, id := range o.RedeemAt {
		out.RedeemAt = append(out.RedeemAt, id.String())
	}
	return out
}

// districtNames names each code (such as 浦江县 for 330726).
func districtNames(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = district.Name(c)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type claimJSON struct {
	ClaimID           string     `json:"claim_id"`
	OfferID           string     `json:"offer_id"`
	OfferTitle        string     `json:"offer_title"`
	Code              string     `json:"code"`
	QRPayload         string     `json:"qr_payload"`
	Status            string     `json:"status"`
	Welcome           bool       `json:"welcome"`
	ClaimedAt         time.Time  `json:"claimed_at"`
	ExpiresAt         time.Time  `json:"expires_at"`
	RedeemedAt        *time.Time `json:"redeemed_at,omitempty"`
	RedeemedStationID string     `json:"redeemed_station_id,omitempty"`
	ExpiredAt         *time.Time `json:"expired_at,omitempty"`
}

func toClaimJSON(c benefit.Claim) claimJSON {
	out := claimJSON{ClaimID: c.ID.String(), OfferID: c.OfferID.String(), OfferTitle: c.OfferTitle, Code: c.Code,
		QRPayload: c.QRPayload(), Status: string(c.Status), Welcome: c.Welcome, ClaimedAt: wireTime(c.ClaimedAt), ExpiresAt: wireTime(c.ExpiresAt)}
	if !c.RedeemedAt.IsZero() {
		t := wireTime(c.RedeemedAt)
		out.RedeemedAt, out.RedeemedStationID = &t, c.RedeemedStation.String()
	}
	if !c.ExpiredAt.IsZero() {
		t := wireTime(c.ExpiredAt)
		out.ExpiredAt = &t
	}
	return out
}

func offerID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "offer not found")
	}
	return id, nil
}

func (s *server) createOffer(c echo.Context) error {
	body, err := readBody(c, bodyLimit, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	doc, err := benefit.DecodeDocument(body)
	if err != nil {
		return err
	}
	o, err := s.Benefits.CreateOffer(c.Request().Context(), principal(c), doc)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/benefits/"+o.ID.String())
	return writeOffer(c, http.StatusCreated, o)
}

func (s *server) getOffer(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	o, err := s.Benefits.GetOffer(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return writeOffer(c, http.StatusOK, o)
}

// writeOffer answers with the offer and its version as the ETag, for
// If-Match on a later PATCH.
func writeOffer(c echo.Context, status int, o *benefit.Offer) error {
	c.Response().Header().Set("ETag", etag(o.Version))
	return c.JSON(status, toOfferJSON(o))
}

func (s *server) patchOffer(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	version, _, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	body, err := readBody(c, bodyLimit, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	o, err := s.Benefits.PatchOffer(c.Request().Context(), principal(c), id, version, body)
	if err != nil {
		return err
	}
	return writeOffer(c, http.StatusOK, o)
}

type offerPage struct {
	Items      []offerJSON `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (s *server) listOffers(c echo.Context) error {
	var (
		p apperr.Problems
		f benefit.OfferFilter
	)
	if v := c.QueryParam("status"); v != "" {
		f.Status = benefit.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be draft, published, paused or ended")
		}
	}
	f.Limit, f.After = parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, next, err := s.Benefits.ListOffers(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	page := offerPage{Items: make([]offerJSON, 0, len(list))}
	for _, o := range list {
		page.Items = append(page.Items, toOfferJSON(o))
	}
	if next != uuid.Nil {
		page.NextCursor = cursorOf(next)
	}
	return c.JSON(http.StatusOK, page)
}

type statsJSON struct {
	OfferID        string             `json:"offer_id"`
	TotalStock     *int               `json:"total_stock"`
	RemainingStock *int               `json:"remaining_stock"`
	Claimed        int                `json:"claimed"`
	Redeemed       int                `json:"redeemed"`
	Expired        int                `json:"expired"`
	Open           int                `json:"open"`
	ByStation      []stationStatsJSON `json:"by_station"`
	ByDay          []dayStatsJSON     `json:"by_day"`
}

type stationStatsJSON struct {
	StationID   string `json:"station_id"`
	StationName string `json:"station_name"`
	Redeemed    int    `json:"redeemed"`
}

type dayStatsJSON struct {
	Date     string `json:"date"`
	Claimed  int    `json:"claimed"`
	Redeemed int    `json:"redeemed"`
	Expired  int    `json:"expired"`
}

func (s *server) offerStats(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	o, st, err := s.Benefits.Stats(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	out := statsJSON{OfferID: o.ID.String(), TotalStock: st.TotalStock, Claimed: st.Claimed, Redeemed: st.Redeemed,
		Expired: st.Expired, Open: st.Open, ByStation: []stationStatsJSON{}, ByDay: []dayStatsJSON{}}
	if st.TotalStock != nil {
		out.RemainingStock = &st.Remaining
	}
	for _, x := range st.ByStation {
		out.ByStation = append(out.ByStation, stationStatsJSON{x.StationID.String(), x.StationName, x.Redeemed})
	}
	for _, x := range st.ByDay {
		out.ByDay = append(out.ByDay, dayStatsJSON{x.Date, x.Claimed, x.Redeemed, x.Expired})
	}
	return c.JSON(http.StatusOK, out)
}

type redeemRequest struct {
	Code      string `json:"code"`
	StationID string `json:"station_id"`
}

func (s *server) redeemClaim(c echo.Context) error {
	var body redeemRequest
	if err := readJSON(c, &body); err != nil {
		return err
	}
	var p apperr.Problems
	if _, ok := benefit.ParseCode(body.Code); !ok {
		p.Add("code", "format", "must be the 8-character claim code or the claim's qr_payload")
	}
	stationID, err := uuid.Parse(body.StationID)
	if err != nil || len(body.StationID) != 36 {
		p.Add("station_id", "format", "must be a station id")
	}
	if err := p.Err(); err != nil {
		return err
	}
	claim, err := s.Benefits.Redeem(c.Request().Context(), principal(c), body.Code, stationID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toClaimJSON(claim))
}

// Workers' endpoints.

type nearestCollectJSON struct {
	Station   stationView `json:"station"`
	DistanceM float64     `json:"distance_m"`
}

type availableJSON struct {
	ID             string              `json:"id"`
	Title          string              `json:"title"`
	Description    string              `json:"description"`
	Category       string              `json:"category"`
	TotalStock     *int                `json:"total_stock"`
	RemainingStock *int                `json:"remaining_stock"`
	PerWorkerLimit limitJSON           `json:"per_worker_limit"`
	Allowance      int                 `json:"allowance"`
	Window         windowJSON          `json:"window"`
	NearestStation *nearestCollectJSON `json:"nearest_station"`
}

type availablePage struct {
	Items []availableJSON `json:"items"`
	CRS   string          `json:"crs"`
}

func (s *server) availableOffers(c echo.Context) error {
	var p apperr.Problems
	crs := queryCRS(c, &p)
	q := c.QueryParams()
	var (
		at  *orb.Point
		lat float64
		lng float64
	)
	if q.Has("lat") || q.Has("lng") {
		lat = parseCoord(&p, q, "lat", 90)
		lng = parseCoord(&p, q, "lng", 180)
	}
	if err := p.Err(); err != nil {
		return err
	}
	if q.Has("lat") {
		pt := geo.ToWGS84(orb.Point{lng, lat}, crs)
		at = &pt
	}
	ctx := c.Request().Context()
	list, err := s.Benefits.Available(ctx, workerID(c))
	if err != nil {
		return err
	}
	now := s.Benefits.Now()
	var hits []search.Hit
	if at != nil && len(list) > 0 {
		hits, _ = s.Search.Nearest(search.Query{Point: *at, Limit: availableSearchLimit}, nil)
	}
	out := availablePage{Items: make([]availableJSON, 0, len(list)), CRS: string(crs)}
	for _, a := range list {
		o := a.Offer
		item := availableJSON{ID: o.ID.String(), Title: o.Title, Description: o.Description, Category: string(o.Category),
			TotalStock: o.TotalStock, RemainingStock: remaining(o), PerWorkerLimit: limitJSON{o.PerWorker.Count, string(o.PerWorker.Period)},
			Allowance: a.Allowance, Window: toWindowJSON(o.Window)}
		if h, ok := nearestCollecting(o, hits, now); ok {
			item.NearestStation = &nearestCollectJSON{Station: toStationJSON(h.Station, crs, now), DistanceM: round2(h.DistanceM)}
		}
		out.Items = append(out.Items, item)
	}
	return c.JSON(http.StatusOK, out)
}

// nearestCollecting picks, from hits ordered by distance, where the worker
// should go to collect the offer: the nearest station that hands it out and
// is open now, or, when none of them is open, the nearest that hands it out.
func nearestCollecting(o *benefit.Offer, hits []search.Hit, now time.Time) (search.Hit, bool) {
	var (
		first search.Hit
		found bool
	)
	for _, h := range hits {
		if !collects(o, h) {
			continue
		}
		if h.Station.OpenAt(now) {
			return h, true
		}
		if !found {
			first, found = h, true
		}
	}
	return first, found
}

// collects reports whether the offer's claims can be collected at the hit's
// station: one it names, or any active one of its districts.
func collects(o *benefit.Offer, h search.Hit) bool {
	if len(o.RedeemAt) > 0 {
		for _, id := range o.RedeemAt {
			if id == h.Station.ID {
				return true
			}
		}
		return false
	}
	return o.Eligibility.CoversCounty(h.Station.DistrictCode)
}

func (s *server) claimOffer(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	claim, replay, err := s.Benefits.Claim(c.Request().Context(), workerID(c), id, c.Request().Header.Get("Idempotency-Key"))
	switch {
	case err != nil:
		s.Metrics.Claim(string(apperr.CodeOf(err)))
		return err
	case replay:
		s.Metrics.Claim("replayed")
		c.Response().Header().Set("Idempotent-Replayed", "true")
	default:
		s.Metrics.Claim("ok")
	}
	return c.JSON(http.StatusCreated, toClaimJSON(claim))
}

type claimPage struct {
	Items      []claimJSON `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (s *server) myClaims(c echo.Context) error {
	var p apperr.Problems
	limit, before := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Benefits.WorkerClaims(c.Request().Context(), workerID(c), before, limit+1)
	if err != nil {
		return err
	}
	page := claimPage{Items: make([]claimJSON, 0, len(list))}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1].ID
		page.NextCursor = cursorOf(last)
	}
	for _, cl := range list {
		page.Items = append(page.Items, toClaimJSON(cl))
	}
	return c.JSON(http.StatusOK, page)
}
