// Package postgres stores Yizhan's domain in PostgreSQL through pgx. It
// translates between rows and domain types and holds no HTTP; every exported
// store method is one transaction.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", used only by goose
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"yizhan/db"
	"yizhan/internal/apperr"
)

// DB is the connection pool every store shares.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

func migrationsFS() fs.FS {
	sub, err := fs.Sub(db.Migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

func newProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, migrationsFS(), goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration. A session lock makes concurrent
// callers (several API processes starting at once) take turns.
func Migrate(ctx context.Context, url string, log *slog.Logger) error {
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// LatestMigration is the newest migration version compiled into the binary.
func LatestMigration() (int64, error) {
	ms, err := fs.Glob(migrationsFS(), "*.sql")
	if err != nil || len(ms) == 0 {
		return 0, fmt.Errorf("no embedded migrations: %v", err)
	}
	var latest int64
	for _, m := range ms {
		var v int64
		if _, err := fmt.Sscanf(m, "%d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// Ready reports nil when the database answers and its schema is at the
// binary's migration version.
func (db *DB) Ready(ctx context.Context) error {
	want, err := LatestMigration()
	if err != nil {
		return err
	}
	var got int64
	err = db.Pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&got)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if got < want {
		return fmt.Errorf("database schema at migration %d, binary needs %d: run `api migrate`", got, want)
	}
	return nil
}

// interpretError turns pgx and PostgreSQL errors into domain errors where
// they have a meaning for the caller, and wraps everything else.
func interpretError(err error, what apperr.Word) error {
	if err == nil {
		return nil
	}
	var appErr *apperr.Error
	if errors.As(err, &appErr) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.ConstraintName == stockWithinTotal:
			// Not the client's mistake but ours: the code keeps this rule,
			// and the schema's copy of it caught the code out.
			return fmt.Errorf("%s: %w", what, err)
		}
		switch pgErr.Code {
		case "23505": // unique_violation
			return apperr.Wrap(apperr.Conflict, err, "%s already exists", what)
		case "23503": // foreign_key_violation
			return apperr.Wrap(apperr.Unprocessable, err, "%s refers to something that does not exist", what)
		case "23514", "22001", "22P02": // check_violation, string too long, invalid text
			return apperr.Wrap(apperr.Invalid, err, "%s breaks a rule of the schema", what)
		case "40001", "40P01": // serialization failure, deadlock
			return &apperr.Error{Code: apperr.Unavailable, Message: "the database was busy; try again", Err: err}
		}
	}
	if pgconn.SafeToRetry(err) || isConnError(err) {
		return &apperr.Error{Code: apperr.Unavailable, Message: "the database is unavailable", Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isConnError(err error) bool {
	var (
		connErr *pgconn.ConnectError
		pgErr   *pgconn.PgError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 57P01..03: admin shutdown, crash shutdown, cannot connect now.
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	// pgx reports a connection it closed after a failure only in words.
	return strings.Contains(err.Error(), "conn closed")
}
