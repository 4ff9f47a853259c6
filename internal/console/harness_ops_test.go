package console_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// waitFlash waits for the next page's flash message holding text (the
// page before may show another flash).
func waitFlash(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "flash")][contains(., "` + text + `")]`))
}

// shotPhone signs username in on a 390×844 phone, opens path and saves its
// screenshot, for pages a test drives on the desktop.
func (tb *tab) shotPhone(t *testing.T, e *env, username, path, name string) {
	t.Helper()
	p := e.browser(t, phone)
	p.login(username)
	p.open(path)
	p.shot(name)
}
