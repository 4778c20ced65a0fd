package plugin

import (
	"context"
	"errors"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/passthru"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// Every message has one form, "<step> failed[ (HTTP <status>)]: <what>", the field first in <what>
// when one is to blame: settings check, discovery, token request, token reply, user token, API URL,
// request policy, API request, API reply, query, plugin. Each step's typed error writes it.

// internalError is our own failure (a bug, or a resource we could not build): the plugin is the
// source.
type internalError struct {
	what string
	err  error // the cause, if any
}

func (e *internalError) Error() string { return "plugin failed: " + e.what }
func (e *internalError) Unwrap() error { return e.err }

// ours marks an error no step claims (a key we could not generate, a state file we could not read)
// as the plugin's, so that its message names a step too.
func ours(err error) error {
	var ie *internalError
	if err == nil || classify(err).source != backend.ErrorSourcePlugin || errors.As(err, &ie) {
		return err
	}
	return &internalError{what: err.Error(), err: err}
}

// failure is an error's class: the status that answers it and who must act (the SDK's error source:
// downstream for the user, the token endpoint and the API; plugin for us).
type failure struct {
	status backend.Status
	source backend.ErrorSource
}

// classify decides an error's class once, by its type (never by its text). Whose fault it is
// decides the source: plugin for ours, downstream for everything else (the SDK has no user source).
//
//	type                                          whose fault        status
//	settings.FieldError, query.Error              the user's         400
//	passthru.Error (no usable user token)         the user's         401
//	upstream.Error, step API URL                  the user's (query) 400
//	upstream.Error, step request policy           the user's (admin) 403, nothing was sent
//	upstream.Error with the API's status >= 400   the API's          that status
//	upstream.Error, other (transport, bad reply)  the API's          502
//	token.Error, token.BackoffError               the token endpoint 502
//	context deadline or cancellation              the caller's       504
//	anything else                                 ours (plugin)      500
func classify(err error) failure {
	var (
		te *token.Error
		be *token.BackoffError
		ue *upstream.Error
		fe *settings.FieldError
		qe *query.Error
		pe *passthru.Error
	)
	// The SDK has two sources: downstream covers the user's errors as well as the remote side's.
	downstream := func(s backend.Status) failure { return failure{s, backend.ErrorSourceDownstream} }
	switch {
	case errors.As(err, &pe):
		return downstream(backend.StatusUnauthorized)
	case errors.As(err, &ue):
		switch {
		case ue.Status >= 400:
			return downstream(backend.Status(ue.Status))
		case ue.Step == upstream.StepPolicy:
			return downstream(backend.StatusForbidden)
		case ue.Step == upstream.StepURL:
			return downstream(backend.StatusBadRequest)
		}
		return downstream(backend.StatusBadGateway)
	case errors.As(err, &te), errors.As(err, &be):
		return downstream(backend.StatusBadGateway)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return downstream(backend.StatusTimeout)
	case errors.As(err, &fe), errors.As(err, &qe):
		return downstream(backend.StatusBadRequest)
	}
	return failure{backend.StatusInternal, backend.ErrorSourcePlugin}
}

// errorResponse is a query's answer to err.
func errorResponse(err error) backend.DataResponse {
	f := classify(err)
	return backend.DataResponse{Error: err, Status: f.status, ErrorSource: f.source}
}

// resourceStatus is a resource route's HTTP status for err: the class's status, except that an
// error status of the API is the gateway's failure (502), not this route's own answer.
func resourceStatus(err error) int {
	var ue *upstream.Error
	if errors.As(err, &ue) && ue.Status >= 400 {
		return http.StatusBadGateway
	}
	return int(classify(err).status)
}

// writeFailure answers a resource call with err's status and message.
func writeFailure(w http.ResponseWriter, err error) {
	writeError(w, resourceStatus(err), err.Error())
}
