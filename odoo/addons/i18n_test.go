package addons_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// poEntries reads a .po file's translations: msgid -> msgstr.
func poEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var id, str string
	var cur *string
	inEntry := false
	flush := func() {
		if inEntry {
			out[id] = str
		}
		id, str, cur, inEntry = "", "", nil, false
	}
	unquote := func(n int, line string) string {
		s, err := strconv.Unquote(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("%s:%d: %v: %s", path, n, err, line)
		}
		return s
	}
	for n, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "msgid "):
			flush()
			inEntry = true
			id, cur = unquote(n+1, line[len("msgid "):]), &id
		case strings.HasPrefix(line, "msgstr "):
			str, cur = unquote(n+1, line[len("msgstr "):]), &str
		case strings.HasPrefix(line, `"`) && cur != nil:
			*cur += unquote(n+1, line)
		case strings.TrimSpace(line) == "":
			flush()
		}
	}
	flush()
	return out
}

var (
	// _("...") or _('...') in the addon's Python: a refusal the cashier
	// reads on the payment line.
	pyString = regexp.MustCompile(`_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')`)
	// _t("...") in the POS's JavaScript.
	jsString = regexp.MustCompile(`_t\(\s*"((?:[^"\\]|\\.)*)"`)
	// The text of an element of the POS's templates (Odoo translates it).
	xmlText = regexp.MustCompile(`>([^<>]*[A-Za-z][^<>]*)<`)
)

// TestCashierSentencesAreInSpanish fails when a sentence the cashier can
// read (the POS's strings and templates of every version, the addon's
// refusals) has no es_MX translation: the addon is for Mexican shops, and
// the English is the source.
func TestCashierSentencesAreInSpanish(t *testing.T) {
	po := poEntries(t, filepath.Join("common", module, "i18n", "es_MX.po"))
	check := func(file, s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if po[s] == "" {
			t.Errorf("%s: %q has no es_MX translation in common/%s/i18n/es_MX.po", file, s, module)
		}
	}
	py, err := filepath.Glob(filepath.Join("common", module, "models", "*.py"))
	if err != nil || len(py) == 0 {
		t.Fatalf("no Python of the addon: %v", err)
	}
	for _, f := range py {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pyString.FindAllStringSubmatch(string(b), -1) {
			check(f, m[1]+m[2])
		}
	}
	for _, v := range []string{"17.0", "18.0", "19.0"} {
		root := filepath.Join(v, module, "static")
		seen := 0
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			switch filepath.Ext(path) {
			case ".js":
				for _, m := range jsString.FindAllStringSubmatch(string(b), -1) {
					s, err := strconv.Unquote(`"` + m[1] + `"`)
					if err != nil {
						t.Errorf("%s: %v", path, err)
						continue
					}
					check(path, s)
					seen++
				}
			case ".xml":
				// Comments and a directive's expression (an <attribute
				// name="t-if">) are not read by the cashier.
				body := regexp.MustCompile(`(?s)<!--.*?-->|<attribute name="t-[^"]*">[^<]*</attribute>`).ReplaceAllString(string(b), "")
				for _, m := range xmlText.FindAllStringSubmatch(body, -1) {
					check(path, m[1])
					seen++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen == 0 {
			t.Errorf("%s: no sentence found in the POS's front end: the test no longer reads it", root)
		}
	}
}
