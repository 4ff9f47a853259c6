package yizhan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Every example in openapi.yaml is valid against its schema: kin-openapi
// checks each one (media types', parameters' and schemas') as it validates
// the document.
func TestOpenAPIExamplesAreValid(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	// The check can fail: a Station whose example has a number for its name.
	broken := loadSpec(t)
	st := broken.Components.Schemas["Station"].Value
	ex, ok := st.Example.(map[string]any)
	if !ok {
		t.Fatalf("the Station schema has no example object: %T", st.Example)
	}
	ex["name"] = 42
	if err := broken.Validate(context.Background(), openapi3.EnableExamplesValidation()); err == nil {
		t.Errorf("a Station example with a number for its name passed validation")
	}
}

// Every request and response body that carries a schema shows at least one
// example, on the media type or on its schema, for the mini-program's
// developers reading /docs.
func TestOpenAPIEveryBodyHasAnExample(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	var missing []string
	check := func(where string, content openapi3.Content) {
		for mt, m := range content {
			if m.Schema == nil || m.Example != nil || len(m.Examples) > 0 {
				continue
			}
			if s := m.Schema.Value; s != nil && (s.Example != nil || s.Type.Is("string") && s.Format == "binary") {
				continue
			}
			missing = append(missing, where+" "+mt)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				check(name+" request", op.RequestBody.Value.Content)
			}
			for status, r := range op.Responses.Map() {
				if r.Value != nil {
					check(fmt.Sprintf("%s %s", name, status), r.Value.Content)
				}
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d bodies without an example:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
