// The campaigns page's library views: templates (list; create one from an
// existing campaign or from a form; start a campaign from one, which carries
// its checklist, assets, member statuses, UTM pattern and approval chain) and
// the asset library (name, type, URL, owner, status and the campaigns using
// each asset; create, edit, change status).
// Everything from data is text in JSX (escaped by Preact). A URL becomes a
// link only when its scheme is http or https; anything else is shown as text.
import { useMemo, useState } from 'preact/hooks';
import { get, post, request } from '../api.js';
import { useApi } from '../hooks.js';
import { humanize } from '../format.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { ChoiceSelect } from '../components/ChoiceSelect.jsx';

export const ASSET_TYPES = ['email', 'landing_page', 'ad', 'social_post', 'document', 'image', 'video', 'form', 'other'];
export const ASSET_STATUSES = ['draft', 'in_review', 'ready', 'retired'];

// The URL as a safe href, or null when it is not an absolute http(s) URL
// (javascript:, data:, relative paths and malformed text stay text).
export function safeHref(url) {
  if (typeof url !== 'string' || url.trim() === '') return null;
  try {
    const u = new URL(url.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function AssetUrl({ url }) {
  if (!url) return <span class="muted">–</span>;
  const href = safeHref(url);
  if (!href) {
    return (
      <code class="asset-url" data-testid="asset-url-text">
        {url}
      </code>
    );
  }
  return (
    <a class="asset-url" href={href} target="_blank" rel="noopener noreferrer nofollow" data-testid="asset-url-link">
      {url}
    </a>
  );
}

// Campaigns listed per asset before "and N more".
const USED_BY_SHOWN = 4;

const canChange = (me) => me && (me.role === 'ops' || me.role === 'admin');

// Lines of text, trimmed, without the empty ones.
const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

// "Registered*" lines -> member statuses: in order, * marks responded, the
// first is the default.
export function parseStatuses(text) {
  return lines(text).map((l, i) => {
    const responded = l.endsWith('*');
    return { name: responded ? l.slice(0, -1).trim() : l, sort_order: i + 1, responded, is_default: i === 0 };
  });
}

// "1, Brand review, approver, 2" or "2, Legal, @lena, 1" -> approval steps
// (stage, name, role or @user, due days). Throws naming the line.
export function parseChain(text) {
  return lines(text).map((l, i) => {
    const parts = l.split(',').map((p) => p.trim());
    const stage = Number(parts[0]);
    const due = parts[3] === undefined || parts[3] === '' ? 3 : Number(parts[3]);
    if (parts.length < 3 || !Number.isInteger(stage) || stage < 1 || !parts[1] || !parts[2] || !Number.isInteger(due)) {
      throw new Error(`approval chain line ${i + 1}: write "stage, name, role or @user, due days" (got "${l}")`);
    }
    const step = { stage, name: parts[1], due_days: due };
    if (parts[2].startsWith('@')) step.user = parts[2].slice(1);
    else step.role = parts[2];
    return step;
  });
}

function chainText(chain) {
  return chain.map((s) => `${s.stage}. ${s.name} (${s.user ? `@${s.user}` : s.role}, ${s.due_days}d)`);
}

// ---------------------------------------------------------------- templates

function NewFromTemplate({ template, onCreated, onCancel }) {
  const [form, setForm] = useState({ name: '', start_date: '', end_date: '', budget: '', owner: '', audience: '', utm_campaign: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { template_id: template.id };
    for (const [k, v] of Object.entries(form)) if (v.trim()) body[k] = v.trim();
    try {
      const created = await post('/api/v1/campaigns', body);
      onCreated(created.campaign.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card library-form" onSubmit={submit} data-testid="clone-form">
      <h3>New campaign from “{template.name}”</h3>
      <p class="small muted">
        It gets the template's type, channel, UTM pattern, {template.checklist.length} checklist item(s), {template.assets.length} asset(s),{' '}
        {template.statuses.length || 'the default'} member status(es) and {template.approval_chain.length} approval step(s).
      </p>
      <div class="form-grid">
        <label>
          Name
          <input required value={form.name} onInput={set('name')} data-testid="clone-name" />
        </label>
        <label>
          Start
          <input type="date" value={form.start_date} onInput={set('start_date')} data-testid="clone-start" />
        </label>
        <label>
          End
          <input type="date" value={form.end_date} onInput={set('end_date')} data-testid="clone-end" />
        </label>
        <label>
          Budget
          <input inputmode="decimal" value={form.budget} onInput={set('budget')} data-testid="clone-budget" />
        </label>
        <label>
          Owner
          <input value={form.owner} onInput={set('owner')} />
        </label>
        <label>
          Audience
          <input value={form.audience} onInput={set('audience')} />
        </label>
        <label>
          utm_campaign
          <input value={form.utm_campaign} onInput={set('utm_campaign')} />
        </label>
      </div>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="clone-save">
        Create campaign
      </button>{' '}
      <button type="button" class="btn btn-small btn-ghost" onClick={onCancel}>
        Cancel
      </button>
      {error ? <Banner error={error} title="The campaign was not created" /> : null}
    </form>
  );
}

function TemplateFromCampaign({ campaigns, onSaved }) {
  const [campaign, setCampaign] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await post(`/api/v1/campaigns/${encodeURIComponent(campaign)}/template`, { name, description });
      setName('');
      setDescription('');
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card library-form" onSubmit={submit} data-testid="template-from-campaign">
      <h3>Save a campaign as a template</h3>
      <p class="small muted">Its checklist, assets, member statuses, UTM pattern and approval chain become the template's.</p>
      <div class="form-grid">
        <label>
          Campaign
          <select required value={campaign} onChange={(e) => setCampaign(e.currentTarget.value)} data-testid="tpl-campaign">
            <option value="">choose…</option>
            {campaigns.map((c) => (
              <option key={c.id} value={String(c.id)}>
                #{c.id} {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Template name
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="tpl-campaign-name" />
        </label>
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
      </div>
      <button type="submit" class="btn btn-primary" disabled={busy || !campaign} data-testid="tpl-campaign-save">
        Save as template
      </button>
      {error ? <Banner error={error} title="The template was not saved" /> : null}
    </form>
  );
}

function TemplateForm({ assets, onSaved }) {
  const empty = { name: '', type: '', channel: '', utm_pattern: '', description: '', checklist: '', statuses: '', chain: '1, Approval, approver, 3' };
  const [form, setForm] = useState(empty);
  const [picked, setPicked] = useState([]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    let body;
    try {
      body = {
        name: form.name,
        type: form.type,
        channel: form.channel,
        utm_pattern: form.utm_pattern,
        description: form.description,
        checklist: lines(form.checklist),
        assets: picked.map(Number),
        statuses: parseStatuses(form.statuses),
        approval_chain: parseChain(form.chain),
      };
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(true);
    try {
      const saved = await post('/api/v1/campaign-templates', body);
      setForm(empty);
      setPicked([]);
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card library-form" onSubmit={submit} data-testid="template-form">
      <h3>New template</h3>
      <div class="form-grid">
        <label>
          Name
          <input required value={form.name} onInput={set('name')} data-testid="tpl-name" />
        </label>
        <label>
          Type
          <input value={form.type} onInput={set('type')} placeholder="Webinar, Email, …" data-testid="tpl-type" />
        </label>
        <label>
          Channel
          <input value={form.channel} onInput={set('channel')} placeholder="email, webinar, …" data-testid="tpl-channel" />
        </label>
        <label>
          UTM pattern
          <input value={form.utm_pattern} onInput={set('utm_pattern')} placeholder="{region}_{yyyy}{mm}_{name}" data-testid="tpl-pattern" />
        </label>
        <label>
          Description
          <input value={form.description} onInput={set('description')} />
        </label>
      </div>
      <div class="form-grid">
        <label>
          Checklist (one item a line)
          <textarea rows="4" value={form.checklist} onInput={set('checklist')} data-testid="tpl-checklist" />
        </label>
        <label>
          Member statuses (one a line, first is the default, * = responded)
          <textarea rows="4" value={form.statuses} onInput={set('statuses')} placeholder={'Invited\nRegistered*\nAttended*'} data-testid="tpl-statuses" />
        </label>
        <label>
          Approval chain (stage, name, role or @user, due days)
          <textarea rows="4" value={form.chain} onInput={set('chain')} data-testid="tpl-chain" />
        </label>
        <label>
          Assets
          <select multiple size="4" data-testid="tpl-assets" onChange={(e) => setPicked([...e.currentTarget.selectedOptions].map((o) => o.value))}>
            {assets.map((a) => (
              <option key={a.id} value={String(a.id)} selected={picked.includes(String(a.id))}>
                {a.name} ({a.type})
              </option>
            ))}
          </select>
        </label>
      </div>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="tpl-save">
        Create template
      </button>
      {error ? <Banner error={error} title="The template was not created" /> : null}
    </form>
  );
}

export function Templates({ me, onOpen }) {
  const templates = useApi((o) => get('/api/v1/campaign-templates', o), []);
  const assets = useApi((o) => get('/api/v1/assets', o), []);
  const board = useApi((o) => get('/api/v1/campaign-board', o), []);
  const [using, setUsing] = useState(null);
  const [saved, setSaved] = useState(null);
  const assetName = useMemo(() => new Map((assets.data?.assets ?? []).map((a) => [a.id, a.name])), [assets.data]);
  const list = templates.data?.templates ?? [];
  const onSaved = (t) => {
    setSaved(t);
    templates.reload();
  };
  return (
    <div data-testid="panel-templates">
      {templates.error ? <Banner error={templates.error} title="Could not load the templates" onRetry={templates.reload} /> : null}
      {templates.loading && !templates.data ? <Loading /> : null}
      {saved ? (
        <p class="ok" data-testid="template-saved">
          Template “{saved.name}” saved.
        </p>
      ) : null}
      {using ? <NewFromTemplate template={using} onCancel={() => setUsing(null)} onCreated={(id) => onOpen(id)} /> : null}
      <div class="card table-scroll">
        <table class="data-table" data-testid="templates-table">
          <thead>
            <tr>
              <th>Template</th>
              <th>Type · channel</th>
              <th>UTM pattern</th>
              <th>Checklist</th>
              <th>Assets</th>
              <th>Member statuses</th>
              <th>Approval chain</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id} data-testid="template-row" data-id={t.id}>
                <td>
                  <strong data-testid="template-name">{t.name}</strong>
                  {t.description ? <div class="small muted">{t.description}</div> : null}
                </td>
                <td>
                  {t.type || '–'} · {t.channel || '–'}
                </td>
                <td>{t.utm_pattern ? <code>{t.utm_pattern}</code> : <span class="muted">–</span>}</td>
                <td>
                  <ul class="small plain">
                    {t.checklist.map((c) => (
                      <li key={c}>{c}</li>
                    ))}
                  </ul>
                </td>
                <td>
                  <ul class="small plain">
                    {t.assets.map((a) => (
                      <li key={a}>{assetName.get(a) ?? `#${a}`}</li>
                    ))}
                  </ul>
                </td>
                <td class="small">
                  {t.statuses.length === 0 ? (
                    <span class="muted">type defaults</span>
                  ) : (
                    t.statuses.map((s) => (
                      <span key={s.name} class={`tag ${s.responded ? 'tag-ok' : ''}`}>
                        {s.name}
                        {s.is_default ? ' (default)' : ''}
                      </span>
                    ))
                  )}
                </td>
                <td>
                  <ol class="small plain">
                    {chainText(t.approval_chain).map((s) => (
                      <li key={s}>{s}</li>
                    ))}
                  </ol>
                </td>
                <td>
                  {canChange(me) ? (
                    <button type="button" class="btn btn-small" data-testid="template-use" onClick={() => setUsing(t)}>
                      New campaign
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {templates.data && list.length === 0 ? (
              <tr>
                <td colSpan="8" class="muted">
                  No templates yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {canChange(me) ? (
        <div class="panel-grid">
          <TemplateFromCampaign campaigns={board.data?.campaigns ?? []} onSaved={onSaved} />
          <TemplateForm assets={assets.data?.assets ?? []} onSaved={onSaved} />
        </div>
      ) : null}
    </div>
  );
}

// ------------------------------------------------------------ asset library

function AssetForm({ editing, onSaved, onCancel }) {
  const blank = { name: '', type: 'email', url: '', owner: '', status: 'draft', body: '' };
  const [form, setForm] = useState(editing ? { ...blank, ...editing } : blank);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const setValue = (k) => (v) => setForm({ ...form, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { name: form.name, type: form.type, url: form.url, owner: form.owner, status: form.status, body: form.body };
    try {
      if (editing) await request('PUT', `/api/v1/assets/${editing.id}`, { body });
      else await post('/api/v1/assets', body);
      if (!editing) setForm(blank);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card library-form" onSubmit={submit} data-testid="asset-form">
      <h3>{editing ? `Edit asset #${editing.id}` : 'New asset'}</h3>
      <div class="form-grid">
        <label>
          Name
          <input required value={form.name} onInput={set('name')} data-testid="asset-name" />
        </label>
        <label>
          Type
          <ChoiceSelect values={ASSET_TYPES} value={form.type} onChange={setValue('type')} data-testid="asset-type" />
        </label>
        <label>
          URL
          <input value={form.url} onInput={set('url')} placeholder="https://…" data-testid="asset-url" />
        </label>
        <label>
          Owner
          <input value={form.owner} onInput={set('owner')} data-testid="asset-owner" />
        </label>
        <label>
          Status
          <ChoiceSelect values={ASSET_STATUSES} value={form.status} onChange={setValue('status')} data-testid="asset-form-status" />
        </label>
      </div>
      <label class="block-label">
        Text (e-mail body, ad copy)
        <textarea rows="3" value={form.body} onInput={set('body')} data-testid="asset-body" />
      </label>
      <button type="submit" class="btn btn-primary" disabled={busy} data-testid="asset-save">
        {editing ? 'Save asset' : 'Add asset'}
      </button>{' '}
      {editing ? (
        <button type="button" class="btn btn-small btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      {error ? <Banner error={error} title="The asset was not saved" /> : null}
    </form>
  );
}

export function AssetLibrary({ me, onOpen }) {
  const assets = useApi((o) => get('/api/v1/assets', o), []);
  const board = useApi((o) => get('/api/v1/campaign-board', o), []);
  const [editing, setEditing] = useState(null);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [expanded, setExpanded] = useState(() => new Set());
  const toggle = (id) => {
    const next = new Set(expanded);
    next.has(id) ? next.delete(id) : next.add(id);
    setExpanded(next);
  };
  const campaignName = useMemo(() => new Map((board.data?.campaigns ?? []).map((c) => [c.id, c.name])), [board.data]);
  const list = (assets.data?.assets ?? []).filter((a) => !filter || a.status === filter);
  const setStatus = async (a, status) => {
    setBusy(true);
    setError(null);
    try {
      await request('PUT', `/api/v1/assets/${a.id}`, { body: { status } });
      assets.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const changeable = canChange(me);
  return (
    <div data-testid="panel-assets">
      <div class="toolbar">
        <label class="field-inline">
          Status
          <ChoiceSelect values={ASSET_STATUSES} value={filter} onChange={setFilter} any="any" data-testid="asset-filter" />
        </label>
        <span class="muted small">{assets.data ? `${list.length} of ${assets.data.assets.length} assets` : ''}</span>
      </div>
      {assets.error ? <Banner error={assets.error} title="Could not load the asset library" onRetry={assets.reload} /> : null}
      {error ? <Banner error={error} title="The status did not change" onDismiss={() => setError(null)} /> : null}
      {assets.loading && !assets.data ? <Loading /> : null}
      <div class="card table-scroll tall">
        <table class="data-table" data-testid="assets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>URL</th>
              <th>Owner</th>
              <th>Status</th>
              <th>Used by (campaigns)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id} data-testid="asset-row" data-id={a.id}>
                <td data-testid="asset-row-name">{a.name}</td>
                <td>{humanize(a.type)}</td>
                <td class="small">
                  <AssetUrl url={a.url} />
                </td>
                <td>{a.owner || '–'}</td>
                <td>
                  {changeable ? (
                    <ChoiceSelect
                      values={ASSET_STATUSES}
                      value={a.status}
                      onChange={(status) => setStatus(a, status)}
                      disabled={busy}
                      aria-label={`Status of ${a.name}`}
                      data-testid="asset-status"
                    />
                  ) : (
                    <span class={`tag asset-${a.status}`}>{humanize(a.status)}</span>
                  )}
                </td>
                <td class="small" data-testid="asset-campaigns">
                  {a.campaigns.length === 0 ? <span class="muted">unused</span> : null}
                  {(expanded.has(a.id) ? a.campaigns : a.campaigns.slice(0, USED_BY_SHOWN)).map((id) => (
                    <button type="button" class="link used-by" key={id} onClick={() => onOpen(id)}>
                      {campaignName.get(id) ?? `#${id}`}
                    </button>
                  ))}
                  {a.campaigns.length > USED_BY_SHOWN ? (
                    <button type="button" class="btn btn-small btn-ghost" data-testid="asset-campaigns-more" onClick={() => toggle(a.id)}>
                      {expanded.has(a.id) ? 'show fewer' : `and ${a.campaigns.length - USED_BY_SHOWN} more`}
                    </button>
                  ) : null}
                </td>
                <td>
                  {changeable ? (
                    <button type="button" class="btn btn-small btn-ghost" data-testid="asset-edit" onClick={() => setEditing(a)}>
                      Edit
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {changeable ? (
        <AssetForm
          key={editing ? `edit-${editing.id}` : 'new'}
          editing={editing}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            assets.reload();
          }}
        />
      ) : null}
    </div>
  );
}
