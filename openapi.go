// Package yizhan holds what sits at the repository's root and the binary
// serves: the API's contract.
package yizhan

import _ "embed"

// OpenAPI is openapi.yaml, the API's contract, served at GET /openapi.yaml
// and rendered at GET /docs.
//
//go:embed openapi.yaml
var OpenAPI []byte
