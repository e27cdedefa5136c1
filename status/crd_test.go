package status_test

import "testing"

func crd(conds string) string {
	return object("apiextensions.k8s.io/v1", "CustomResourceDefinition", `{}`, `{"conditions":[`+conds+`]}`)
}

func TestCustomResourceDefinition(t *testing.T) {
	t.Parallel()
	const (
		established = `{"type":"Established","status":"True","reason":"InitialNamesAccepted"}`
		namesClash  = `{"type":"NamesAccepted","status":"False","reason":"NamesConflict","message":"plural is already in use"}`
	)
	runComputeCases(t, []computeCase{
		{
			name: "Established",
			obj:  crd(`{"type":"NamesAccepted","status":"True"},` + established),
			want: current("CRD is established"),
		},
		{
			name: "names not accepted",
			obj:  crd(namesClash),
			want: failed("NamesConflict", "plural is already in use"),
		},
		{
			name: "names not accepted wins whatever the order",
			obj:  crd(established + "," + namesClash),
			want: failed("NamesConflict", "plural is already in use"),
		},
		{
			name: "installing",
			obj:  crd(`{"type":"Established","status":"False","reason":"Installing","message":"the initial names have not been accepted"}`),
			want: inProgress("Installing", "Install in progress"),
		},
		{
			name: "not established for another reason",
			obj:  crd(`{"type":"Established","status":"False","reason":"NotAccepted","message":"not all names are accepted"}`),
			want: failed("NotAccepted", "not all names are accepted"),
		},
		{
			name: "Established Unknown",
			obj:  crd(`{"type":"Established","status":"Unknown"}`),
			want: inProgress("Installing", "Install in progress"),
		},
		{
			name: "no conditions yet",
			obj:  crd(``),
			want: inProgress("Installing", "Install in progress"),
		},
	})
}
