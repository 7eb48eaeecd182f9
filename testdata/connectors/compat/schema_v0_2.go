//go:build sdk_v0_2

package main

import "github.com/conductorone/baton-sdk/pkg/field"

const sdkVersion = "v0.2.65"

// Fields of this generation have no display names and no secret marks, and
// constraints are arguments of NewConfiguration.
var (
	urlField = field.StringField("url",
		field.WithDescription("Database server URL, e.g. postgres://db.example:5432"))
	domainField = field.StringField("domain", field.WithHidden(true),
		field.WithDescription("Deprecated: use url instead. The database server's host name"))
	passwordField = field.StringField("password", field.WithRequired(true),
		field.WithDescription("Password of the baton database user"))
	privateKeyField = field.StringField("private-key",
		field.WithDescription("PEM private key for client certificate login"))
	caFileField = field.StringField("ca-file",
		field.WithDescription("Path to a PEM file with the server's CA certificate"))
	roleCountField = field.IntField("role-count", field.WithDefaultValue(20),
		field.WithDescription("How many roles the server has"))

	configuration = field.NewConfiguration(
		[]field.SchemaField{urlField, domainField, passwordField, privateKeyField, caFileField, roleCountField},
		field.FieldsMutuallyExclusive(urlField, domainField),
		field.FieldsAtLeastOneUsed(urlField, domainField),
	)
)
