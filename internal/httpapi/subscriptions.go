package httpapi

import (
	"time"

	"net/http"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// Notifications through WeChat subscribe messages (issue 12 section 4): the
// mini-program reports the templates the worker accepted in
// wx.requestSubscribeMessage.

type subscriptionsRequest struct {
	TemplateIDs []string `json:"template_ids"`
}

type subscriptionJSON struct {
	TemplateID string   `json:"template_id"`
	Events     []string `json:"events"`
	Remaining  int      `json:"remaining"`
}

type subscriptionsJSON struct {
	Subscriptions []subscriptionJSON `json:"subscriptions"`
}

func (s *server) acceptSubscriptions(c echo.Context) error {
	if s.Notify == nil {
		return apperr.New(apperr.Unavailable, "this server sends no notifications: WeChat is not configured").Retry(time.Hour)
	}
	var req subscriptionsRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	subs, err := s.Notify.Accept(c.Request().Context(), workerID(c), req.TemplateIDs)
	if err != nil {
		return err
	}
	out := subscriptionsJSON{Subscriptions: make([]subscriptionJSON, 0, len(subs))}
	for _, sub := range subs {
		out.Subscriptions = append(out.Subscriptions, subscriptionJSON{
			TemplateID: sub.TemplateID, Events: s.Notify.Templates.EventsOf(sub.TemplateID), Remaining: sub.Remaining})
	}
	return c.JSON(http.StatusOK, out)
}
