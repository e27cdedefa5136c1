package main

import (
	"errors"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kwait-dev/kwait/wait"
)

// forUsage lists the values --for takes.
const forUsage = "current, delete, create, condition=TYPE[=STATUS], jsonpath='{…}'[=VALUE] or cel=EXPR"

// parseFor maps a --for value onto its goal of package wait, one to one,
// with kubectl wait's spelling where kubectl has one:
//
//	current                 wait.Current() (the default)
//	delete                  wait.Deleted()
//	create                  wait.Exists()
//	condition=TYPE[=STATUS] wait.Condition(TYPE, STATUS); STATUS defaults to True
//	jsonpath={EXPR}[=VALUE] wait.JSONPath(EXPR, VALUE); without VALUE, present and not empty
//	cel=EXPR                wait.CEL(EXPR)
func parseFor(s string) (wait.Goal, error) {
	switch {
	case s == "current" || s == "":
		return wait.Current(), nil
	case s == "delete":
		return wait.Deleted(), nil
	case s == "create":
		return wait.Exists(), nil
	case strings.HasPrefix(s, "condition="):
		return parseCondition(strings.TrimPrefix(s, "condition="))
	case strings.HasPrefix(s, "jsonpath="):
		return parseJSONPath(strings.TrimPrefix(s, "jsonpath="))
	case strings.HasPrefix(s, "cel="):
		expr := strings.TrimSpace(strings.TrimPrefix(s, "cel="))
		if expr == "" {
			return wait.Goal{}, errors.New("cel= needs an expression, like --for='cel=status.readyReplicas >= 2'")
		}
		g, err := wait.CEL(expr)
		if err != nil {
			return wait.Goal{}, fmt.Errorf("cel expression does not compile: %w", err)
		}
		return g, nil
	}
	return wait.Goal{}, fmt.Errorf("unknown value %q: want %s", s, forUsage)
}

// parseCondition parses TYPE[=STATUS], as kubectl wait --for=condition=
// does: the status defaults to True and is compared without regard to case.
func parseCondition(s string) (wait.Goal, error) {
	typ, st, hasStatus := strings.Cut(s, "=")
	if typ == "" {
		return wait.Goal{}, errors.New("condition= needs a condition type, like --for=condition=Ready or --for=condition=Ready=False")
	}
	if !hasStatus {
		st = string(metav1.ConditionTrue)
	}
	if st == "" {
		return wait.Goal{}, fmt.Errorf("condition=%s= needs a status after the equal sign, like --for=condition=%s=False", typ, typ)
	}
	return wait.Condition(typ, metav1.ConditionStatus(st)), nil
}

// parseJSONPath parses EXPR[=VALUE] as kubectl wait --for=jsonpath= does:
// the input splits on a single '=' ("==" stays in the expression), and
// quotes around EXPR and VALUE are dropped.
func parseJSONPath(s string) (wait.Goal, error) {
	parts := splitJSONPathInput(s)
	parts[0] = strings.Trim(parts[0], `'"`) // quotes a shell did not take off
	if len(parts) > 2 || parts[0] == "" {
		return wait.Goal{}, errors.New("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'")
	}
	want := ""
	if len(parts) == 2 {
		want = strings.Trim(parts[1], `'"`)
		if want == "" {
			return wait.Goal{}, errors.New("jsonpath wait has to have a value after the equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
		}
	}
	g, err := wait.JSONPath(parts[0], want)
	if err != nil {
		return wait.Goal{}, fmt.Errorf("jsonpath expression %q does not parse: %w", parts[0], err)
	}
	return g, nil
}

// splitJSONPathInput splits s on each single '='; a double "==" does not
// split and stays in its part (kubectl's rule).
func splitJSONPathInput(s string) []string {
	var out []string
	var part strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			part.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '=' {
			part.WriteString("==")
			i++
			continue
		}
		out = append(out, part.String())
		part.Reset()
	}
	return append(out, part.String())
}
