package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/station"
)

const staffUsage = `usage:
  api staff create --username NAME --role admin|district_staff|donor [--districts 330726,331102]
                   (the password is the first line of stdin)
  api staff list
  api staff passwd --username NAME   (the new password is the first line of stdin)
  api staff disable --username NAME
  api staff enable --username NAME
  api staff unlock --username NAME
  api staff totp --username NAME [--code 123456 | --disable]`

// staffCommand is `api staff …`: the operator's account administration,
// acting as auth.CommandLine. Its errors are sentences, never SQL.
func staffCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "totp" {
		return staffTOTPCommand(ctx, cfg, log, args[1:], stdout)
	}
	if len(args) == 0 {
		return errors.New(staffUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("staff "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "admin, district_staff or donor")
	districts := fs.String("districts", "", "comma-separated administrative division codes")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("staff %s: %w\n%s", sub, err, staffUsage)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("staff %s: unexpected argument %q\n%s", sub, fs.Arg(0), staffUsage)
	case sub != "create" && (*role != "" || *districts != ""):
		return fmt.Errorf("staff %s takes no --role or --districts\n%s", sub, staffUsage)
	case sub == "list" && *username != "":
		return fmt.Errorf("staff list takes no --username\n%s", staffUsage)
	case sub != "list" && *username == "":
		return fmt.Errorf("staff %s needs --username\n%s", sub, staffUsage)
	}
	var password string
	switch sub {
	case "create", "passwd":
		var err error
		if password, err = readPassword(stdin); err != nil {
			return err
		}
	case "list", "disable", "enable", "unlock":
	default:
		return fmt.Errorf("unknown staff command %q\n%s", sub, staffUsage)
	}
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	by := auth.CommandLine
	switch sub {
	case "create":
		var st auth.Staff
		st, err = a.auth.AddStaff(ctx, by, *username, password, auth.Role(*role), splitCodes(*districts), station.ValidDivisionCode)
		if err == nil {
			log.Info("staff account created", "username", st.Username, "role", st.Role)
			fmt.Fprintf(stdout, "created %s (%s)\n", st.Username, st.Role)
		}
	case "list":
		var list []auth.Account
		if list, err = a.auth.ListStaff(ctx, by); err == nil {
			printAccounts(stdout, list)
		}
	case "passwd":
		if err = a.auth.ResetPassword(ctx, by, *username, password); err == nil {
			log.Info("staff password reset", "username", *username)
			fmt.Fprintf(stdout, "password of %s changed; its sessions were signed out\n", *username)
		}
	case "disable":
		if err = a.auth.DisableStaff(ctx, by, *username); err == nil {
			log.Info("staff account disabled", "username", *username)
			fmt.Fprintf(stdout, "%s disabled; its sessions and tokens no longer work\n", *username)
		}
	case "enable":
		if err = a.auth.EnableStaff(ctx, by, *username); err == nil {
			log.Info("staff account enabled", "username", *username)
			fmt.Fprintf(stdout, "%s enabled; it may sign in again\n", *username)
		}
	case "unlock":
		if err = a.auth.UnlockStaff(ctx, by, *username); err == nil {
			log.Info("staff login lock cleared", "username", *username)
			fmt.Fprintf(stdout, "failed logins of %s forgotten; it may sign in again at once\n", *username)
		}
	}
	return sentence(err)
}

// readPassword reads the first line of stdin.
func readPassword(stdin io.Reader) (string, error) {
	if stdin == nil {
		return "", errors.New("the password must come on standard input")
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	return strings.TrimRight(password, "\r\n"), nil
}

func splitCodes(s string) []string {
	var ds []string
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			ds = append(ds, d)
		}
	}
	return ds
}

func printAccounts(w io.Writer, list []auth.Account) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tDISTRICTS\tSTATUS\tLOGIN\tCREATED\tTOTP")
	for _, a := range list {
		status, login, districts := "active", "ok", strings.Join(a.Districts, ",")
		if a.Disabled() {
			status = "disabled since " + a.DisabledAt.Local().Format("2006-01-02 15:04")
		}
		if a.Locked {
			login = fmt.Sprintf("locked (%d failed)", a.Failures)
		} else if a.Failures > 0 {
			login = fmt.Sprintf("%d failed", a.Failures)
		}
		if districts == "" {
			districts = "-"
		}
		second := "-"
		if a.SecondFactor {
			second = "on"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, districts, status, login, a.CreatedAt.Local().Format("2006-01-02"), second)
	}
	tw.Flush()
}

// sentence turns a domain error into its message and the fields it names,
// leaving out the cause (a database's words) that only the logs may see.
func sentence(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	for _, f := range e.Fields {
		msg += "; " + f.Field + ": " + f.Message
	}
	return errors.New(msg)
}
