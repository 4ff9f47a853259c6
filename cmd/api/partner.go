package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"yizhan/internal/auth"
	"yizhan/internal/partner"
	"yizhan/internal/postgres"
)

const partnerUsage = `usage:
  api partner create --name NAME [--rate 50:100] [--daily 1000000]
                     issue a key to a rider platform; the key is the last line printed, shown once
  api partner list
  api partner revoke --name NAME`

// partnerCommand is `api partner …`: the operator's management of partner
// keys, acting as auth.CommandLine. Its errors are sentences, never SQL.
func partnerCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(partnerUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("partner "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "the partner's name, such as 美团")
	rate := fs.String("rate", partner.DefaultRate.String(), "RATE:BURST")
	daily := fs.Int64("daily", partner.DefaultDailyQuota, "requests a day (Asia/Shanghai)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("partner %s: %w\n%s", sub, err, partnerUsage)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case sub != "create" && sub != "list" && sub != "revoke":
		return fmt.Errorf("unknown partner command %q\n%s", sub, partnerUsage)
	case fs.NArg() > 0:
		return fmt.Errorf("partner %s: unexpected argument %q\n%s", sub, fs.Arg(0), partnerUsage)
	case sub != "create" && (set["rate"] || set["daily"]):
		return fmt.Errorf("partner %s takes no --rate or --daily\n%s", sub, partnerUsage)
	case sub == "list" && set["name"]:
		return fmt.Errorf("partner list takes no --name\n%s", partnerUsage)
	case sub != "list" && *name == "":
		return fmt.Errorf("partner %s needs --name\n%s", sub, partnerUsage)
	}
	var r partner.Rate
	if sub == "create" {
		var err error
		if r, err = partner.ParseRate(*rate); err != nil {
			return fmt.Errorf("--rate: %q is not RATE:BURST, such as 50:100", *rate)
		}
	}
	if err := cfg.requireDB(); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := partner.NewService(postgres.NewPartnerStore(db), nil)
	by := auth.CommandLine
	switch sub {
	case "create":
		var (
			p   partner.Partner
			key string
		)
		p, key, err = svc.Create(ctx, by, partner.NewPartner{Name: *name, Rate: r, DailyQuota: *daily})
		if err == nil {
			log.Info("partner key issued", "partner", p.Name, "key_prefix", p.KeyPrefix)
			fmt.Fprintf(stdout, "issued a key to %s: %s requests a second (burst %d), %d a day (Asia/Shanghai)\n", p.Name,
				strconv.FormatFloat(p.Rate.PerSecond, 'f', -1, 64), p.Rate.Burst, p.DailyQuota)
			fmt.Fprintln(stdout, "the key is shown this once; send it to the partner, who sends it as X-Api-Key:")
			fmt.Fprintln(stdout, key)
		}
	case "list":
		var list []partner.Listed
		if list, err = svc.List(ctx, by); err == nil {
			printPartners(stdout, list)
		}
	case "revoke":
		var p partner.Partner
		if p, err = svc.Revoke(ctx, by, *name); err == nil {
			log.Info("partner key revoked", "partner", p.Name, "key_prefix", p.KeyPrefix)
			fmt.Fprintf(stdout, "revoked the key of %s (%s…); every API process refuses it within moments (2 s at most)\n", p.Name, p.KeyPrefix)
		}
	}
	return sentence(err)
}

func printPartners(w io.Writer, list []partner.Listed) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// The name comes last: tabwriter counts a Chinese character as one
	// column where a terminal draws two, which would skew every column after it.
	fmt.Fprintln(tw, "KEY\tRATE\tDAILY\tTODAY\tYESTERDAY\tSTATUS\tCREATED\tNAME")
	for _, p := range list {
		status := "active"
		if p.Revoked() {
			status = "revoked " + p.RevokedAt.In(shanghaiZone).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s…\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", p.KeyPrefix, p.Rate, p.DailyQuota,
			p.UsedToday, p.UsedYesterday, status, p.CreatedAt.In(shanghaiZone).Format("2006-01-02"), p.Name)
	}
	tw.Flush()
}

// shanghaiZone is the zone the list tells times in: UTC+8 all year.
var shanghaiZone = time.FixedZone("Asia/Shanghai", 8*60*60)
