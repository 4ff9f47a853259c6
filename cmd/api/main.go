// Command api is Yizhan's one binary: the HTTP service and the operator's
// tools.
//
//	api [serve]                  run the HTTP API (the default)
//	api migrate                  apply database migrations
//	api staff create --username NAME --role admin|district_staff [--districts 330726,331102]
//	                             create a staff account; the password is the first line of stdin
//	api staff list               list the staff accounts, disabled and locked ones marked
//	api staff passwd|disable|enable|unlock --username NAME
//	                             reset a password (from stdin), disable or enable an account, clear its login lock
//	api staff totp --username NAME [--code 123456 | --disable]
//	                             enrol (print a secret, then confirm with a code) or remove a second factor
//	api partner create --name NAME [--rate 50:100] [--daily 1000000] | list | revoke --name NAME
//	                             issue (the key is the last line printed), list or revoke a rider platform's API key
//	api worker token --openid OPENID
//	                             print a worker's bearer token, without WeChat (local demo)
//	api demo                     load the demo data set and (re)set the demo admin's password
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"yizhan/internal/auth"
)

func main() {
	// Started as the server's password hasher (YIZHAN_HASHER=1), this
	// process does nothing else; see internal/auth/hasher.go.
	auth.RunHasherIfChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its environment injected so that tests can
// start the real thing.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, nil)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "staff":
		return staffCommand(ctx, cfg, log, args, stdin, stdout)
	case "worker":
		return workerCommand(ctx, cfg, log, args, stdout)
	case "partner":
		return partnerCommand(ctx, cfg, log, args, stdout)
	case "demo":
		return demo(ctx, cfg, log, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  api [serve]                 run the HTTP API
  api migrate                 apply database migrations
  api staff create --username NAME --role admin|district_staff [--districts 330726,331102]
                              create a staff account (password: first line of stdin)
  api staff list              list the staff accounts
  api staff passwd --username NAME
                              set a new password (first line of stdin) and sign the account out
  api staff disable|enable --username NAME
                              stop an account (its sessions end at once) or let it sign in again
  api staff unlock --username NAME
                              forget the account's failed logins
  api staff totp --username NAME [--code 123456 | --disable]
                              enrol a second factor: print its secret and otpauth:// URI,
                              then confirm with a code from the app; or remove it
  api partner create --name NAME [--rate 50:100] [--daily 1000000]
                              issue a rider platform an API key (printed once, on the last line)
  api partner list            list partner keys with today's and yesterday's usage
  api partner revoke --name NAME
                              revoke a partner's key on every API process at once
  api worker token --openid OPENID
                              print a worker's bearer token without WeChat (local demo)
  api demo                    load demo data and print the demo admin's password
`
