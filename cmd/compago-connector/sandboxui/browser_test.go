package sandboxui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotDirEnv, when set, keeps the mid-payment screenshot in that
// directory instead of the test's temporary one.
const screenshotDirEnv = "SANDBOXUI_SCREENSHOT_DIR"

// findBrowser looks for a Chromium-family browser on PATH.
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium with one tab on the sandbox page.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// needBrowser returns the browser to drive, or skips the test saying how to
// get one.
func needBrowser(t *testing.T) string {
	t.Helper()
	path := findBrowser()
	if path == "" && os.Getenv("COMPAGO_TEST_BROWSER_REQUIRED") != "" {
		t.Fatal("no browser on PATH (chromium, chromium-browser or google-chrome) and COMPAGO_TEST_BROWSER_REQUIRED is set")
	}
	if path == "" {
		t.Skip("no browser on PATH (chromium, chromium-browser or google-chrome): " +
			"install one (Debian: apt-get install -y chromium) to test the sandbox page in a browser")
	}
	return path
}

// openPage starts the browser at path on the page at url.
func openPage(t *testing.T, path, url string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	ctx, cancelAll := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelAll)
	b := &browser{t: t, ctx: ctx}
	b.do("open the sandbox page", chromedp.Navigate(url))
	// Collect script errors from here on: the page must raise none.
	b.do("watch for script errors", chromedp.Evaluate[chromedp.Void](
		`window.__errors = []; window.addEventListener("error", (e) => window.__errors.push(String(e.message)));`))
	b.waitJS("the page shows its first state", `document.body.dataset.ready === "true"`)
	return b
}

// do runs steps, failing the test with what the cashier would see.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// waitJS waits until a JavaScript expression is true on the page.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLimit)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(waitLimit))); err != nil {
		b.fail("the page never showed that %s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// fail stops the test with the page's text, so the failure says what the
// cashier saw.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	b.t.Fatalf(format+"\n--- the page showed:\n%s", append(args, text)...)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// textIs is a JavaScript test that the element's text is want.
func textIs(selector, want string) string {
	return fmt.Sprintf(`(document.querySelector(%s)?.textContent ?? "").trim() === %s`, js(selector), js(want))
}

// payWithCompago rings up an order at the till and returns the selector of
// its row once the till lists it.
func (b *browser) payWithCompago(amount, terminal string) string {
	b.t.Helper()
	before := eval[int](b, `Number(document.querySelector("#orders > li")?.dataset.order ?? 0)`)
	b.do("ring up "+amount,
		chromedp.SetValue(chromedp.CSS("#amount"), amount),
		chromedp.SetValue(chromedp.CSS("#terminal"), terminal),
		chromedp.Click(chromedp.CSS("#pay")))
	b.waitJS("the new order is listed", fmt.Sprintf(`Number(document.querySelector("#orders > li")?.dataset.order ?? 0) > %d`, before))
	id := eval[int](b, `Number(document.querySelector("#orders > li").dataset.order)`)
	return fmt.Sprintf(`[data-order="%d"]`, id)
}

func (b *browser) click(what, selector string) {
	b.t.Helper()
	b.do(what, chromedp.Click(chromedp.CSS(selector)))
}

func (b *browser) waitBadge(order, label string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("order %s is %q", order, label), textIs(order+` [data-role="state"]`, label))
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot: %v", err)
	}
	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = b.t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("save the screenshot: %v", err)
	}
	b.t.Logf("screenshot of the page: %s (set %s to keep it)", path, screenshotDirEnv)
}

// mxnAmount is how the page writes every amount.
var mxnAmount = regexp.MustCompile(`^\d{1,3}(,\d{3})*\.\d{2} MXN$`)

func TestBrowserCashierPaysCancelsAndRetriesOnTheSandboxPage(t *testing.T) {
	path := needBrowser(t)
	sb := startSandbox(t)
	b := openPage(t, path, sb.pageURL)
	start := time.Now()

	// Paid on the terminal, with its payment line.
	paid := b.payWithCompago("350.50", "TERMINAL-001")
	b.waitBadge(paid, "Pending on terminal")
	b.waitJS("terminal TERMINAL-001 shows 350.50 MXN", textIs(`[data-terminal="TERMINAL-001"] [data-role="amount"]`, "350.50 MXN"))
	b.waitJS("the order shows the deep link", fmt.Sprintf(
		`document.querySelector(%s)?.getAttribute("href")?.startsWith("compago-pos-app:///charge/payment-intent/")`,
		js(paid+` [data-role="deeplink"]`)))
	b.waitJS("the cashier reads the terminal sentence",
		textIs(paid+` [data-role="message"]`, "Waiting for the card on terminal TERMINAL-001 (350.50 MXN)."))
	b.click("approve the card on TERMINAL-001", `[data-terminal="TERMINAL-001"] [data-action="approve"]`)
	b.waitBadge(paid, "Paid")
	b.waitJS("Odoo marked the order paid", textIs(paid+` [data-role="odoo-state"]`, "paid"))
	b.waitJS("the payment line is listed", fmt.Sprintf(
		`[...document.querySelectorAll(%s)].some((li) => li.textContent.includes("350.50 MXN") && li.textContent.includes("Compago"))`,
		js(paid+` [data-role="payment"]`)))
	b.waitJS("TERMINAL-001 is idle again", `!document.querySelector('[data-terminal="TERMINAL-001"] [data-action="approve"]')`)

	// Cancelled from the till while the terminal waits.
	cancelled := b.payWithCompago("99.90", "TERMINAL-002")
	b.waitBadge(cancelled, "Pending on terminal")
	b.click("cancel the payment", cancelled+` [data-action="cancel"]`)
	b.waitBadge(cancelled, "Cancelled")
	b.waitJS("the cashier is told no money was taken", textIs(cancelled+` [data-role="message"]`, "Payment cancelled. No money was taken."))
	b.waitJS("TERMINAL-002 is idle again", `!document.querySelector('[data-terminal="TERMINAL-002"] [data-action="approve"]')`)

	// Expired by the clock, requested again, then paid.
	expiring := b.payWithCompago("1234.5", "TERMINAL-003")
	b.waitBadge(expiring, "Pending on terminal")
	b.waitJS("terminal TERMINAL-003 shows 1,234.50 MXN", textIs(`[data-terminal="TERMINAL-003"] [data-role="amount"]`, "1,234.50 MXN"))
	b.screenshot("sandbox-mid-payment.png")
	b.click("advance the Compago clock 10 minutes", "#advance-10m")
	b.waitBadge(expiring, "Expired")
	b.click("request the payment again", expiring+` [data-action="retry"]`)
	b.waitBadge(expiring, "Pending on terminal")
	b.waitJS("the retry is a new attempt", textIs(`[data-terminal="TERMINAL-003"] [data-role="external-id"]`,
		"sandbox-"+strings.TrimSuffix(strings.TrimPrefix(expiring, `[data-order="`), `"]`)+"-2"))
	b.click("approve the card on TERMINAL-003", `[data-terminal="TERMINAL-003"] [data-action="approve"]`)
	b.waitBadge(expiring, "Paid")

	// A refusal is the cashier's sentence, not a stack trace.
	b.do("ring up a wrong amount",
		chromedp.SetValue(chromedp.CSS("#amount"), "12.345"),
		chromedp.Click(chromedp.CSS("#pay")))
	b.waitJS("the cashier is told how to enter the amount", textIs("#notice-text",
		"Enter the amount in pesos, like 350.50 (more than 0, at most two decimals, at most 1,000,000.00 MXN)."))

	// Every amount on the page is MXN with two decimals.
	text := eval[string](b, `document.body.innerText`)
	amounts := regexp.MustCompile(`[\d.,]+\s*MXN`).FindAllString(text, -1)
	if len(amounts) < 6 {
		t.Errorf("the page shows only %d amounts: %q", len(amounts), amounts)
	}
	for _, a := range amounts {
		if !mxnAmount.MatchString(a) && a != "1,000,000.00 MXN" {
			t.Errorf("the page shows the amount %q, want like 1,234.50 MXN", a)
		}
	}
	if errs := eval[[]string](b, `window.__errors`); len(errs) > 0 {
		t.Errorf("the page raised script errors: %q", errs)
	}
	t.Logf("the browser walk took %v", time.Since(start).Round(time.Millisecond))
}
