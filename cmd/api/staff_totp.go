package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"yizhan/internal/auth"
)

const staffTOTPUsage = "usage: api staff totp --username NAME [--code 123456 | --disable]"

// operator is the principal of whoever runs the binary on the server: an
// administrator of every account.
var operator = &auth.Principal{Role: auth.Admin, Username: "(command line)"}

// staffTOTPCommand enrols a second factor without prompting, so that it is
// safe in scripts: the first run prints a new secret and its otpauth://
// URI (kept pending; the account's current factor stays in force), a
// second run with --code confirms it, and --disable removes it.
func staffTOTPCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("staff totp", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	username := fs.String("username", "", "login name")
	code := fs.String("code", "", "a code from the authenticator app, to confirm the enrolment")
	disable := fs.Bool("disable", false, "remove the account's second factor")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("staff totp: %w\n%s", err, staffTOTPUsage)
	}
	if *username == "" || (*code != "" && *disable) {
		return errors.New(staffTOTPUsage)
	}
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	switch {
	case *disable:
		if err := a.auth.DisableTOTP(ctx, operator, *username); err != nil {
			return err
		}
		log.Info("staff second factor removed", "username", *username)
		fmt.Fprintf(stdout, "removed the second factor of %s\n", *username)
	case *code != "":
		if err := a.auth.ConfirmTOTP(ctx, operator, *username, *code); err != nil {
			return err
		}
		log.Info("staff second factor enrolled", "username", *username)
		fmt.Fprintf(stdout, "confirmed: %s now signs in with a one-time code\n", *username)
	default:
		key, err := a.auth.BeginTOTPEnrolment(ctx, operator, *username)
		if err != nil {
			return err
		}
		// The secret goes to the operator's terminal only, never to the log.
		fmt.Fprintf(stdout, "secret: %s\nuri:    %s\n", key.Secret, key.URI)
		fmt.Fprintf(stdout, "Add it to an authenticator app, then confirm with:\n  api staff totp --username %s --code CODE\n", *username)
	}
	return nil
}
