package apidocs

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan"
)

// /docs renders the real contract in headless Chromium, under its CSP,
// without a JavaScript error, a CSP violation or a failed request.
func TestDocsRenderInChromium(t *testing.T) {
	t.Parallel()
	chromium := "/usr/bin/chromium"
	if p := os.Getenv("CHROMIUM"); p != "" {
		chromium = p
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: install Debian's chromium (scripts/test.sh does when it can)", chromium)
	}
	srv := httptest.NewServer(New(yizhan.OpenAPI))
	defer srv.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("lang", "zh-CN"))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	var (
		mu       sync.Mutex
		problems []string
	)
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m.String(), m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/docs"),
		// An operation's summary from deep in the contract: the whole
		// document was fetched, parsed and drawn.
		chromedp.WaitVisible(chromedp.Search(`//h2[contains(., "Hand over a claimed item at a station")]`)),
		chromedp.Sleep(300*time.Millisecond), // late console errors
	)
	if err != nil {
		t.Fatalf("/docs did not render: %v (console: %v)", err, problems)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || !strings.Contains(heading, "Yizhan 驿站 API") {
		t.Errorf("the heading is %q (%v)", heading, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	cancelTimeout()
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("/docs console: %s", p)
	}
	dir := filepath.Join("..", "..", "console-shots")
	if d := os.Getenv("CONSOLE_SHOTS"); d != "" {
		dir = d
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docs-desktop.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
