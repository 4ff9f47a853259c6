// Package db holds Yizhan's SQL migrations, embedded in the binary so that
// `api migrate` needs nothing but the executable.
package db

import "embed"

// Migrations holds the goose migrations, in migrations/NNNNN_name.sql.
//
//go:embed migrations/*.sql
var Migrations embed.FS
