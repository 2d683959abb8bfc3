// The viewer's inline CSS and script (no CDN, no fetch: the pages open from file://), and the HTML helpers its
// pages share. Colours are CSS variables with a dark set under prefers-color-scheme.

export const VIEWER_CSS = `
:root{--fg:#1b1b1b;--bg:#fff;--mute:#666;--line:#e2e2e2;--panel:#f6f7f9;--link:#1565c0;--add:#e6ffec;--del:#ffebe9;--hunk:#ddf4ff;
--ok:#2e7d32;--bad:#c62828;--warn:#ef6c00;--tool:#6a1b9a;--hit:#fff59d}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#15171a;--mute:#9aa0a6;--line:#30343a;--panel:#1e2227;--link:#8ab4f8;
--add:#12361f;--del:#4a1c1c;--hunk:#173a5e;--ok:#81c784;--bad:#ef9a9a;--warn:#ffb74d;--tool:#ce93d8;--hit:#5c5300}}
html{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0 auto;max-width:1280px;padding:0 16px 80px}
a{color:var(--link)}h1{font-size:20px;margin:16px 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--mute);font-size:13px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;margin:4px 0;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;max-width:100%}
pre.diff{white-space:pre;overflow-x:auto}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
details>summary{cursor:pointer;color:var(--mute);font-size:12.5px}
.bar{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:6px 0;display:flex;gap:10px;align-items:center;font-size:13px;flex-wrap:wrap}
.bar input{font:inherit;padding:2px 6px;min-width:240px;background:var(--panel);color:var(--fg);border:1px solid var(--line)}
kbd{border:1px solid var(--line);border-radius:3px;padding:0 4px;font-size:11px;background:var(--panel)}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}
.completion{border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:6px 10px}
.completion.other{margin-left:32px;border-style:dashed}
.completion.error{border-color:var(--bad)}
.completion.hit{outline:2px solid var(--warn)}
.completion.cur{box-shadow:0 0 0 3px var(--link)}
.chead{font-size:12.5px;color:var(--mute);display:flex;gap:12px;flex-wrap:wrap}
.chead b{color:var(--fg)}
.chip{border-radius:9px;padding:0 7px;background:var(--panel);border:1px solid var(--line)}
.msg{margin:6px 0;padding:4px 8px;border-left:3px solid var(--line);background:var(--panel);min-width:0}
.msg.user{border-color:var(--link)}.msg.tool-result{border-color:var(--tool)}.msg.assistant{border-color:var(--ok);background:transparent}
.msg .role{font-size:11.5px;color:var(--mute);text-transform:uppercase;letter-spacing:.04em}.msg .role .id{text-transform:none;letter-spacing:0}
.tool-call{border-left:3px solid var(--tool);padding:2px 8px;margin:6px 0}
.tool-call .name{color:var(--tool);font-weight:600;font-size:13px}
.d-add{background:var(--add)}.d-del{background:var(--del)}.d-hunk{background:var(--hunk)}.d-file{font-weight:700}
.waterfall{position:relative;height:22px;background:var(--panel);border:1px solid var(--line);max-width:900px}
.waterfall span{position:absolute;top:0;bottom:0;font-size:11px;color:#fff;overflow:hidden;white-space:nowrap;padding-left:3px;line-height:22px}
.p-container_start{background:#607d8b}.p-harness_setup{background:#8d6e63}.p-agent{background:#1e88e5}.p-patch{background:#8e24aa}.p-eval{background:#43a047}
.cmp{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(360px,1fr))}
.cmp>div{border:1px solid var(--line);border-radius:6px;padding:8px;min-width:0}
.hl{background:var(--hit)}
`;

/** Keys: / search, Enter/n next hit, N previous; t/T next/previous tool call; e/E error; j/k completion; Esc leaves the box. */
export const VIEWER_JS = `
(function(){
var q=document.getElementById('q'),info=document.getElementById('qinfo');
var all=function(sel){return Array.prototype.slice.call(document.querySelectorAll(sel));};
var hits=[],hi=-1;
function top(el){return el.getBoundingClientRect().top;}
function go(list,dir){
  if(!list.length)return;
  var y=70,i;
  if(dir>0){for(i=0;i<list.length;i++)if(top(list[i])>y+1)break;if(i===list.length)i=0;}
  else{for(i=list.length-1;i>=0;i--)if(top(list[i])<y-1)break;if(i<0)i=list.length-1;}
  show(list[i]);
}
function show(el){
  for(var p=el;p;p=p.parentElement)if(p.tagName==='DETAILS')p.open=true;
  all('.cur').forEach(function(c){c.classList.remove('cur');});
  var c=el.closest('.completion')||el;c.classList.add('cur');
  el.scrollIntoView({block:'start'});window.scrollBy(0,-60);
}
function search(){
  var s=q.value.toLowerCase();all('.hit').forEach(function(e){e.classList.remove('hit');});
  hits=s?all('.completion,.section').filter(function(e){return e.textContent.toLowerCase().indexOf(s)>=0;}):[];
  hits.forEach(function(e){e.classList.add('hit');});hi=-1;
  info.textContent=s?hits.length+' match(es)':'';
}
function step(d){if(!hits.length)return;hi=(hi+d+hits.length)%hits.length;show(hits[hi]);info.textContent=(hi+1)+'/'+hits.length;}
if(q){q.addEventListener('input',search);
q.addEventListener('keydown',function(e){if(e.key==='Enter'){e.preventDefault();step(e.shiftKey?-1:1);}if(e.key==='Escape'){q.blur();}});}
document.addEventListener('keydown',function(e){
  if(e.target&&(e.target.tagName==='INPUT'||e.target.tagName==='TEXTAREA')||e.ctrlKey||e.metaKey||e.altKey)return;
  var k=e.key,m={'t':['.tool-call',1],'T':['.tool-call',-1],'e':['.is-error',1],'E':['.is-error',-1],'j':['.completion',1],'k':['.completion',-1]};
  if(k==='/'&&q){e.preventDefault();q.focus();q.select();return;}
  if(k==='n'){step(1);return;}if(k==='N'){step(-1);return;}
  if(m[k]){e.preventDefault();go(all(m[k][0]),m[k][1]);}
});
})();
`;

/** The page shell: inline style and script under a CSP that forbids every fetch. */
export function page(title: string, body: string, opts: { script?: boolean; refreshSeconds?: number } = {}): string {
  const refresh = opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">${refresh}
<link rel="icon" href="data:,">
<title>${esc(title)}</title><style>${VIEWER_CSS}</style></head>
<body>
${body}
${opts.script === false ? '' : `<script>${VIEWER_JS}</script>`}
</body></html>
`;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function attr(s: string): string {
  return esc(s).replace(/"/g, '&quot;');
}

/** A file of the run as a link from a page: `base` is the run directory relative to the page. */
export function runLink(base: string, rel: string): string {
  const joined = base === '' || base === '.' ? rel : `${base.replace(/\/+$/, '')}/${rel}`;
  return joined.split('/').map(encodeURIComponent).join('/');
}

/** Text in a <pre>, folded behind its size when longer than `maxLines` lines or `maxChars` characters. */
export function foldable(text: string, opts: { maxLines?: number; maxChars?: number; label?: string; cls?: string } = {}): string {
  const lines = text.split('\n').length;
  const pre = `<pre${opts.cls ? ` class="${opts.cls}"` : ''}>${esc(text)}</pre>`;
  if (lines <= (opts.maxLines ?? 25) && text.length <= (opts.maxChars ?? 3000)) return pre;
  return `<details><summary>${esc(opts.label ?? 'output')}: ${lines} lines, ${size(text.length)} (click to expand)</summary>${pre}</details>`;
}

export function size(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function ms(n: number | null): string {
  if (n === null) return '–';
  return n < 1000 ? `${Math.round(n)} ms` : n < 60_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}

/** A unified diff with each line coloured by its kind. */
export function renderDiff(patch: string): string {
  if (!patch) return '<p class="meta">(empty patch)</p>';
  const lines = patch.replace(/\n$/, '').split('\n').map((l) => {
    const cls = l.startsWith('diff --git') || l.startsWith('+++') || l.startsWith('---') ? 'd-file' : l.startsWith('@@') ? 'd-hunk' : l.startsWith('+') ? 'd-add' : l.startsWith('-') ? 'd-del' : '';
    return cls ? `<span class="${cls}">${esc(l)}</span>` : esc(l);
  });
  return `<pre class="diff">${lines.join('\n')}</pre>`;
}
