package testenv

import (
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// OktaValues are the values of OktaPlan's label and secret fields. Each
// test package picks its own, to break naive quoting in what it renders.
type OktaValues struct {
	Label, Token, PEM string
}

// OktaSchema is an okta-like connector's schema: a required domain, a
// plain label, and the secrets api-token and private-key, in that order.
func OktaSchema() *schema.Schema {
	return &schema.Schema{Fields: []schema.Field{
		{Name: "domain", Kind: schema.KindString, Required: true},
		{Name: "label", Kind: schema.KindString},
		{Name: "api-token", Kind: schema.KindString, Secret: true},
		{Name: "private-key", Kind: schema.KindString, Secret: true},
	}}
}

// OktaPlan is profile okta-prod for /opt/baton/bin/baton-okta with
// OktaSchema, domain example.okta.com and v for the other fields, sending
// to dest on cron and writing its files into dir.
func OktaPlan(dir string, dest plan.Destination, cron string, v OktaValues) *plan.Plan {
	sch := OktaSchema()
	p := &plan.Plan{
		Profile:     "okta-prod",
		Connector:   plan.Connector{Name: "okta", Path: "/opt/baton/bin/baton-okta", Schema: sch},
		Destination: dest,
		Schedule:    plan.Schedule{Cron: cron},
		Output:      plan.Output{Dir: dir},
	}
	p.SetValue(sch.Fields[0], "example.okta.com")
	p.SetValue(sch.Fields[1], v.Label)
	p.SetValue(sch.Fields[2], v.Token)
	p.SetValue(sch.Fields[3], v.PEM)
	return p
}
