package tui

import (
	"strings"

	"github.com/conductorone/baton-setup/internal/plan"
)

// settingLabels name the settings as the wizard's fields do.
var settingLabels = map[plan.Setting]string{
	plan.SettingConnector:      "the connector",
	plan.SettingValue:          "the setting",
	plan.SettingValueFile:      "the file of setting",
	plan.SettingAuthMethod:     "the auth method",
	plan.SettingProfile:        "Profile name",
	plan.SettingDest:           "Bucket and Object key",
	plan.SettingRegion:         "Region",
	plan.SettingEndpoint:       "Endpoint",
	plan.SettingAWSCredentials: "AWS credentials for the upload",
	plan.SettingAWSProfile:     "AWS profile",
	plan.SettingRoleARN:        "Role ARN",
	plan.SettingExternalID:     "External ID",
	plan.SettingAWSKeys:        "Access key ID and Secret access key",
	plan.SettingSchedule:       "the schedule",
	plan.SettingOutDir:         "the profile directory",
	plan.SettingClientID:       "Client ID",
	plan.SettingClientSecret:   "Client secret",
	plan.SettingImage:          "the container image",
}

func settingLabel(s plan.Setting) string {
	if l, ok := settingLabels[s]; ok {
		return l
	}
	return string(s)
}

// errorText reads err the way the wizard names things: every setting in
// it by its field.
func errorText(err error) string {
	text := err.Error()
	for _, se := range plan.SettingErrors(err) {
		text = strings.Replace(text, se.Error(), se.Message(settingLabel), 1)
	}
	return text
}
