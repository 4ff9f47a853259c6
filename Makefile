# Yizhan — two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run    a private PostgreSQL, migrations, demo data, the API on 127.0.0.1:8080
#   make test   a private PostgreSQL, go vet, go test -race, short fuzzing
SHELL := /bin/bash
.DEFAULT_GOAL := help

DEV_PG_PORT  ?= 54329
TEST_PG_PORT ?= 54339
FUZZTIME     ?= 5s

.PHONY: help run test build bench bench-cluster db-stop clean

help:
	@echo "make run    - start the API with a private PostgreSQL and demo data"
	@echo "make test   - run vet, the race-enabled tests and short fuzzing against a private PostgreSQL"
	@echo "make bench  - run the benchmarks (see BENCHMARKS.md)"
	@echo "make bench-cluster - 3 API processes on one PostgreSQL under load: throughput, cross-process lag, memory"
	@echo "make db-stop - stop the private PostgreSQL servers"

build:
	go build -o bin/api ./cmd/api

run: build
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh

bench-cluster:
	@scripts/bench.sh cluster

db-stop:
	@scripts/pg.sh stop dev; scripts/pg.sh stop test

clean:
	rm -rf bin
