#!/bin/sh
# Run once by the postgis image when db is first initialised: lets db-replica stream WAL
# as the rummet user (a superuser here, so it may replicate), with the same password.
set -e
echo "host replication rummet all scram-sha-256" >> "$PGDATA/pg_hba.conf"
