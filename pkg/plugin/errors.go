package plugin

import (
	"context"
	"errors"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/passthru"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/query"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/settings"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/token"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/upstream"
)

// errorResponse classifies an error once, by type: failures of the token endpoint, the API, the
// settings or the query are downstream (the user or the remote side must act); anything else is ours.
func errorResponse(err error) backend.DataResponse {
	var (
		te *token.Error
		be *token.BackoffError
		ue *upstream.Error
		fe *settings.FieldError
		qe *query.Error
		pe *passthru.Error
	)
	resp := backend.DataResponse{Error: err, Status: backend.StatusBadRequest, ErrorSource: backend.ErrorSourceDownstream}
	switch {
	case errors.As(err, &pe): // no (usable) signed-in user token: the user must sign in with OAuth
		resp.Status = backend.StatusUnauthorized
	case errors.As(err, &ue) && ue.Status >= 400:
		resp.Status = backend.Status(ue.Status)
	case errors.As(err, &ue) && ue.Step == upstream.StepPolicy:
		resp.Status = backend.StatusForbidden // the admin's request policy: nothing was sent
	case errors.As(err, &ue) && ue.Step != upstream.StepURL:
		resp.Status = backend.StatusBadGateway
	case errors.As(err, &ue):
	case errors.As(err, &te), errors.As(err, &be):
		resp.Status = backend.StatusBadGateway
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		resp.Status = backend.StatusTimeout
	case errors.As(err, &fe), errors.As(err, &qe):
	default:
		resp.Status, resp.ErrorSource = backend.StatusInternal, backend.ErrorSourcePlugin
	}
	return resp
}
