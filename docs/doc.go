// Package docs holds the reference pages (api, events, configuration,
// security, operations, dashboard, simulator, bridge) and the tests that keep
// them and the README true: every page is on the README's map, every relative
// link resolves, and the README's architecture lists every package.
package docs
