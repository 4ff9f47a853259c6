package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

const workerUsage = "usage: api worker token --openid OPENID"

// workerCommand is `api worker token --openid demo-rider`: it signs a worker
// in without WeChat, creating them on first use, and prints a bearer token,
// for a local demo of the mini-program's endpoints. It is a command-line
// tool only: no HTTP route issues a token without WeChat.
func workerCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "token" {
		return errors.New(workerUsage)
	}
	fs := flag.NewFlagSet("worker token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	openid := fs.String("openid", "", "the worker's WeChat openid, such as demo-rider")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("worker token: %w\n%s", err, workerUsage)
	}
	if *openid == "" || fs.NArg() > 0 {
		return errors.New(workerUsage)
	}
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	in, err := a.workers.SignInAs(ctx, *openid)
	if err != nil {
		return err
	}
	// The token goes to stdout only, never to the log.
	log.Info("worker token issued from the command line", "worker", in.Worker, "new", in.IsNew, "expires_at", in.ExpiresAt)
	fmt.Fprintln(stdout, in.Token)
	return nil
}
