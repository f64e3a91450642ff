// Package client is the Go client oapi-codegen generates from
// docs/openapi/openapi.json (`make spec`). It is committed as generated and
// used unedited by internal/api's TestGeneratedClient: the proof that the
// spec serves client generators. Do not edit client.gen.go by hand.
package client

//go:generate go tool oapi-codegen -generate types,client -package client -o client.gen.go ../openapi.json
