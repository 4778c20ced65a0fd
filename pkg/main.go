package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/jqworker"
	"github.com/oauth2rest/oauth2rest-api-datasource/pkg/plugin"
)

func main() {
	// Started by jqworker.Run to run one jq program: serve it and exit, before anything of the plugin.
	jqworker.MaybeServe()
	// Manage starts the gRPC server that Grafana (go-plugin) connects to, and builds one instance per
	// datasource settings version with plugin.NewDatasource.
	if err := datasource.Manage("oauth2rest-api-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
