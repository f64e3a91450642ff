package session

import "context"

// defaults is the server's default for every field: the configured
// Defaults over the built-in ones. It is read at every launch, so a default
// changed at restart reaches every session that did not override it.
func (m *Manager) defaults() EffectiveConfig { return m.cfg.Defaults.Resolve(BuiltinDefaults) }

// Defaults returns the config a session gets for every field it does not
// override.
func (m *Manager) Defaults() EffectiveConfig { return m.defaults() }

// effective is the config the running or next launch of rec uses.
func (m *Manager) effective(rec Record) EffectiveConfig { return rec.Config.Resolve(m.defaults()) }

// UpdateConfig applies fn to a session's overrides and stores the result;
// it takes effect at the session's next launch. fn sees only the overrides
// (never a default), so what it leaves alone keeps following the server.
func (m *Manager) UpdateConfig(ctx context.Context, id string, fn func(*Config) error) (View, error) {
	_, s, err := m.lookup(ctx, id)
	if err != nil {
		return View{}, err
	}
	rec, err := m.cfg.Registry.Update(ctx, id, func(r *Record) error {
		c := r.Config
		if err := fn(&c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		r.Config = c
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return m.view(rec, s), nil
}
