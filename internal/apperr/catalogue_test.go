package apperr

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// message is an English text found in the source, with where it was found.
type message struct {
	text string
	pos  string
}

// moduleRoot is the directory of go.mod above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// parseModule parses every non-test Go file of the module.
func parseModule(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

// formatHelper is a function that takes an English message format: its
// format parameter's index, and whether it is a method (called as x.Name)
// or a function of package pkg.
type formatHelper struct {
	index  int
	method bool
	pkg    string
}

// paramIndex returns the index of the parameter named name, and whether it
// is followed only by a variadic parameter.
func paramIndex(ft *ast.FuncType, name string) (int, bool) {
	i := 0
	for fi, field := range ft.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				last := fi == len(ft.Params.List)-1
				nextVariadic := fi == len(ft.Params.List)-2
				if nextVariadic {
					_, nextVariadic = ft.Params.List[fi+1].Type.(*ast.Ellipsis)
				}
				return i, (last || nextVariadic) && isIdent(field.Type, "string")
			}
			i++
		}
		if len(field.Names) == 0 {
			i++
		}
	}
	return -1, false
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// isApperr reports whether e names apperr's type name (Word, Error,
// FieldError) from inside the package or outside.
func isApperr(e ast.Expr, pkg, name string) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return pkg == "apperr" && x.Name == name
	case *ast.SelectorExpr:
		return isIdent(x.X, "apperr") && x.Sel.Name == name
	}
	return false
}

// findHelpers finds the functions that pass a format parameter on to
// apperr (New, Wrap, Message, Problems.Add) or to another such function.
func findHelpers(files []*ast.File) map[string][]formatHelper {
	helpers := map[string][]formatHelper{}
	type candidate struct {
		decl   *ast.FuncDecl
		pkg    string
		index  int
		called bool
	}
	var cands []*candidate
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if i, ok := paramIndex(fd.Type, "format"); ok {
				cands = append(cands, &candidate{decl: fd, pkg: f.Name.Name, index: i})
			}
		}
	}
	for _, c := range cands {
		if c.pkg == "apperr" {
			helpers[c.decl.Name.Name] = append(helpers[c.decl.Name.Name], formatHelper{c.index, c.decl.Recv != nil, c.pkg})
			c.called = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, c := range cands {
			if c.called {
				continue
			}
			ast.Inspect(c.decl.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || c.called {
					return !c.called
				}
				for _, h := range calleeHelpers(helpers, call, c.pkg) {
					if h.index < len(call.Args) && isIdent(call.Args[h.index], "format") {
						c.called = true
					}
				}
				return true
			})
			if c.called {
				helpers[c.decl.Name.Name] = append(helpers[c.decl.Name.Name], formatHelper{c.index, c.decl.Recv != nil, c.pkg})
				changed = true
			}
		}
	}
	return helpers
}

// calleeHelpers returns the helpers call may be calling, from a file of
// package pkg.
func calleeHelpers(helpers map[string][]formatHelper, call *ast.CallExpr, pkg string) []formatHelper {
	var name, qual string
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		name = fn.Name
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if id, ok := fn.X.(*ast.Ident); ok {
			qual = id.Name
		} else {
			qual = "."
		}
	default:
		return nil
	}
	var out []formatHelper
	for _, h := range helpers[name] {
		switch {
		case h.method && qual != "":
			out = append(out, h)
		case !h.method && qual == "" && pkg == h.pkg:
			out = append(out, h)
		case !h.method && qual == h.pkg:
			out = append(out, h)
		}
	}
	return out
}

// stringValue is the value of a string literal, or of an identifier naming
// a constant string literal.
func stringValue(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.Ident:
		if x.Obj == nil || x.Obj.Kind != ast.Con {
			return "", false
		}
		if vs, ok := x.Obj.Decl.(*ast.ValueSpec); ok && len(vs.Values) == 1 {
			return stringValue(vs.Values[0])
		}
	case *ast.ParenExpr:
		return stringValue(x.X)
	}
	return "", false
}

// sourceMessages finds every English text a client may be shown: literal
// formats passed to apperr.New, Wrap, Message, Problems.Add and the
// functions that pass theirs on; Message fields of apperr.Error and
// FieldError literals; and Words (conversions, Word parameters and results,
// and values of maps of Words). Messages built otherwise are reported in
// bad, as they cannot be translated.
func sourceMessages(t *testing.T) (msgs []message, bad []string) {
	fset, files := parseModule(t)
	helpers := findHelpers(files)
	for _, f := range files {
		pkg := f.Name.Name
		// Parameters and results of type Word, per function name.
		wordParams := map[string][]int{}
		for _, ff := range files {
			for _, d := range ff.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					i := 0
					for _, field := range fd.Type.Params.List {
						for range max(1, len(field.Names)) {
							if isApperr(field.Type, ff.Name.Name, "Word") {
								wordParams[fd.Name.Name] = append(wordParams[fd.Name.Name], i)
							}
							i++
						}
					}
				}
			}
		}
		add := func(e ast.Expr, what string) {
			s, ok := stringValue(e)
			if !ok {
				return
			}
			msgs = append(msgs, message{s, fmt.Sprintf("%s (%s)", fset.Position(e.Pos()), what)})
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				for _, h := range calleeHelpers(helpers, x, pkg) {
					if h.index < len(x.Args) {
						add(x.Args[h.index], "format")
					}
				}
				if isApperr(x.Fun, pkg, "Word") && len(x.Args) == 1 {
					add(x.Args[0], "Word")
				}
				if id, ok := x.Fun.(*ast.Ident); ok {
					for _, i := range wordParams[id.Name] {
						if i < len(x.Args) {
							add(x.Args[i], "Word parameter")
						}
					}
				}
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
					for _, i := range wordParams[sel.Sel.Name] {
						if i < len(x.Args) {
							add(x.Args[i], "Word parameter")
						}
					}
				}
			case *ast.FuncDecl:
				if x.Type.Results != nil && len(x.Type.Results.List) == 1 && isApperr(x.Type.Results.List[0].Type, pkg, "Word") && x.Body != nil {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
							add(r.Results[0], "Word result")
						}
						return true
					})
				}
			case *ast.CompositeLit:
				if mt, ok := x.Type.(*ast.MapType); ok && isApperr(mt.Value, pkg, "Word") {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							add(kv.Value, "Word value")
						}
					}
				}
				typ := x.Type
				if u, ok := typ.(*ast.UnaryExpr); ok {
					typ = u.X
				}
				if isApperr(typ, pkg, "Error") || isApperr(typ, pkg, "FieldError") {
					for _, el := range x.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if ok && isIdent(kv.Key, "Format") {
							add(kv.Value, "Format")
						}
						if !ok || !isIdent(kv.Key, "Message") {
							continue
						}
						if _, ok := stringValue(kv.Value); ok {
							add(kv.Value, "Message")
						} else if !isVariable(kv.Value) && pkg != "apperr" {
							bad = append(bad, fmt.Sprintf("%s: a Message built at run time cannot be translated; use apperr.New or Wrap with a literal format", fset.Position(kv.Pos())))
						}
					}
				}
			}
			return true
		})
	}
	return msgs, bad
}

// TestEveryMessageIsTranslated is what keeps the catalogue whole: every
// message a client may be shown has its Chinese.
func TestEveryMessageIsTranslated(t *testing.T) {
	msgs, bad := sourceMessages(t)
	for _, b := range bad {
		t.Error(b)
	}
	if len(msgs) < 150 {
		t.Fatalf("found only %d messages in the source; the search is broken", len(msgs))
	}
	var missing []string
	seen := map[string]bool{}
	for _, m := range msgs {
		if Translated(m.text) || seen[m.text] {
			continue
		}
		seen[m.text] = true
		t.Errorf("%s: %q has no zh-CN translation in internal/apperr/zh_cn.go", m.pos, m.text)
		missing = append(missing, fmt.Sprintf("\t%q: \"\",", m.text))
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Logf("add to zhCN:\n%s", strings.Join(missing, "\n"))
	}
}

// TestTheSearchFindsMessages guards the search itself: it must find the
// messages of each kind of call.
func TestTheSearchFindsMessages(t *testing.T) {
	msgs, _ := sourceMessages(t)
	found := map[string]bool{}
	for _, m := range msgs {
		found[m.text] = true
	}
	for _, want := range []string{
		"the request has invalid fields",                   // a Message literal in apperr
		"the username or password is wrong",                // apperr.New
		"must be 10 to 200 characters",                     // Problems.Add
		"%d more problems are not listed; fix these first", // a constant format
		"WeChat is busy; try again shortly",                // a helper passing format on
		"must be a JSON %s, not %s",                        // a method helper (walker.add)
		"this week",                                        // a map of Words
		"boolean",                                          // a Word parameter, and a Word result
		"station",                                          // a Word parameter (interpretError)
		"too many requests; slow down",                     // an Error literal
	} {
		if !found[want] {
			t.Errorf("the search did not find %q", want)
		}
	}
}

var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestTranslationsKeepTheVerbs checks that each Chinese format takes the
// same arguments as its English key.
func TestTranslationsKeepTheVerbs(t *testing.T) {
	for en, zh := range zhCN {
		if zh == "" {
			t.Errorf("%q: empty translation", en)
			continue
		}
		args := sampleArgs(en)
		got := fmt.Sprintf(zh, args...)
		if strings.Contains(got, "%!") {
			t.Errorf("%q → %q formats as %q", en, zh, got)
		}
		if n, m := len(verbRe.FindAllString(strings.ReplaceAll(en, "%%", ""), -1)), len(verbRe.FindAllString(strings.ReplaceAll(zh, "%%", ""), -1)); n != m {
			t.Errorf("%q has %d verbs, its translation %q %d", en, n, zh, m)
		}
	}
}

func sampleArgs(format string) []any {
	var args []any
	for _, v := range verbRe.FindAllString(strings.ReplaceAll(format, "%%", ""), -1) {
		switch v[len(v)-1] {
		case 'd':
			args = append(args, 3)
		case 'g', 'f':
			args = append(args, 1.5)
		default:
			args = append(args, "x")
		}
	}
	return args
}

func TestEveryCodeHasATitle(t *testing.T) {
	_, files := parseModule(t)
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Type == nil || !isApperr(vs.Type, f.Name.Name, "Code") {
					continue
				}
				for _, v := range vs.Values {
					s, _ := stringValue(v)
					tl, ok := titles[Code(s)]
					if !ok || tl.en == "" || tl.zh == "" {
						t.Errorf("code %q has no title in both languages in internal/apperr/titles.go", s)
					}
				}
			}
		}
	}
}

// isVariable reports whether e is a variable or a field, such as a message
// passed on.
func isVariable(e ast.Expr) bool {
	switch e.(type) {
	case *ast.Ident, *ast.SelectorExpr:
		return true
	}
	return false
}
