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

	"yizhan/internal/auth"
	"yizhan/internal/station"
)

func staffCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "totp" {
		return staffTOTPCommand(ctx, cfg, log, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: api staff create --username NAME --role admin|district_staff [--districts 330726,331102]")
	}
	fs := flag.NewFlagSet("staff create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "admin or district_staff")
	districts := fs.String("districts", "", "comma-separated administrative division codes")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("staff create: %w", err)
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading the password from stdin: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	var ds []string
	for _, d := range strings.Split(*districts, ",") {
		if d = strings.TrimSpace(d); d != "" {
			ds = append(ds, d)
		}
	}
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	st, err := a.auth.CreateStaff(ctx, *username, password, auth.Role(*role), ds, station.ValidDivisionCode)
	if err != nil {
		return err
	}
	log.Info("staff account created", "username", st.Username, "role", st.Role)
	fmt.Fprintf(stdout, "created %s (%s)\n", st.Username, st.Role)
	return nil
}
