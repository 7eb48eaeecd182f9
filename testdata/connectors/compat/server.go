// Command baton-compat is a stand-in connector built on a real baton-sdk
// generation: one source, three builds, each with its own go.mod
// (go build -modfile) and build tag, so that each generation compiles
// against its own SDK and dependencies:
//
//   - v0.2.65 (v0.2.65.mod, tag sdk_v0_2): the generation
//     before the `config` command; its schema is readable only from --help,
//     every error exits 1, and its sync file is SQLite (v1).
//   - v0.3.10 (v0.3.10.mod, tag sdk_v0_3): the generation of baton-mysql and
//     baton-postgresql; `config` prints the schema with secret marks and
//     constraints, it has neither --skip-entitlements-and-grants nor
//     --sync-resource-types, exits 1 on every error, and writes SQLite (v1).
//   - v0.25.0 (go.mod, no tag): the generation of baton-okta and baton-ldap;
//     `config` prints field groups and constraints, ca-file is a FILE_UPLOAD
//     field the SDK reads, errors exit with their gRPC code through
//     config.RunConnector (a refused password is Unauthenticated, 16), and
//     sync files are Pebble (v3).
//
// Each behaves like a small database connector (baton-postgresql's shape):
// its user type is named role and carries the user trait, databases grant
// "connect" to roles. The password "wrong" is refused by Validate, a set
// private-key must be a PEM private key, a set ca-file must hold a PEM
// certificate, and url and the hidden, deprecated domain are one-of.
// BATON_COMPAT_FAILURE selects a test behaviour: hang, empty (nothing
// found), no-users (databases but no roles) or errors (error-level log
// lines, exit 0).
//
// This file holds what every generation shares and uses no SDK package.
package main

import (
	"context"
	"encoding/pem"
	"errors"
	"os"
	"strconv"
)

// server is the database the stand-in reads.
type server struct {
	password  string
	roleCount int
	failure   string
}

func newServer(password string, roleCount int) *server {
	return &server{password: password, roleCount: roleCount, failure: os.Getenv("BATON_COMPAT_FAILURE")}
}

// errRefused is the server's answer to the password "wrong", worded as
// PostgreSQL words it.
var errRefused = errors.New(`compat: password authentication failed for user "baton" (SQLSTATE 28P01)`)

func (s *server) refused() bool { return s.password == "wrong" }

var databases = []string{"app", "billing", "reports"}

// roles are the role IDs the server has.
func (s *server) roles() []string {
	if s.failure == "empty" || s.failure == "no-users" {
		return nil
	}
	out := make([]string, s.roleCount)
	for i := range out {
		out[i] = roleID(i)
	}
	return out
}

func (s *server) databases() []string {
	if s.failure == "empty" {
		return nil
	}
	return databases
}

func roleID(i int) string { return "role" + strconv.Itoa(i) }

// grantees are the roles with connect on database: role i connects to
// databases[i % len(databases)].
func (s *server) grantees(database string) []string {
	d := 0
	for i, name := range databases {
		if name == database {
			d = i
		}
	}
	var out []string
	for i := d; i < len(s.roles()); i += len(databases) {
		out = append(out, roleID(i))
	}
	return out
}

// beforeRoles is what listing roles does first in a failure mode: hang
// until stopped, or log the error-level lines baton-mysql logs against
// MariaDB. A non-nil error ends the listing.
func (s *server) beforeRoles(ctx context.Context, logError func(msg string, err error)) error {
	switch s.failure {
	case "hang":
		<-ctx.Done()
		return ctx.Err()
	case "errors":
		logError("listing role privileges failed; skipping server-wide grants",
			errors.New("Error 1054 (42S22): Unknown column 'Create_role_priv' in 'field list'"))
	}
	return nil
}

// checkPrivateKey refuses a set private-key that is not a PEM private key.
func checkPrivateKey(key string) error {
	if key == "" {
		return nil
	}
	if b, _ := pem.Decode([]byte(key)); b == nil || b.Type != "PRIVATE KEY" {
		return errors.New("private-key: not a PEM private key")
	}
	return nil
}

// checkCA refuses CA file contents that hold no PEM certificate.
func checkCA(data []byte) error {
	if b, _ := pem.Decode(data); b == nil || b.Type != "CERTIFICATE" {
		return errors.New("holds no PEM certificate")
	}
	return nil
}
