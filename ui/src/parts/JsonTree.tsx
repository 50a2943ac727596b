import { useState } from "preact/hooks"

// A payload as a collapsible tree. Keys and values are rendered as text nodes only: a payload written by a
// stranger can hold `<script>`, `javascript:` URLs or anything else, and here it is only ever text.

const pathTo = (parent: string, key: string | number) =>
  typeof key === "number" ? `${parent}.${key}` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}["${key.replaceAll('"', '\\"')}"]`

const scalar = (value: unknown) =>
  value === null ? <span class="json-null">null</span> : typeof value === "string" ? (
    <span class="json-string">{JSON.stringify(value)}</span>
  ) : (
    <span class={`json-${typeof value}`}>{String(value)}</span>
  )

const Copy = ({ path }: { readonly path: string }) => {
  const [copied, setCopied] = useState(false)
  return (
    <button
      type="button"
      class="copy-path"
      title={`copy ${path}`}
      onClick={() => {
        void navigator.clipboard?.writeText(path)
        setCopied(true)
        setTimeout(() => setCopied(false), 1200)
      }}
    >
      {copied ? "copied" : "copy path"}
    </button>
  )
}

const Node = ({ name, value, path, depth }: { name: string | null; value: unknown; path: string; depth: number }) => {
  const [open, setOpen] = useState(depth < 2)
  const label = name === null ? null : <span class="json-key">{name}: </span>
  if (typeof value !== "object" || value === null)
    return (
      <li class="json-leaf" data-path={path}>
        {label}
        {scalar(value)} <Copy path={path} />
      </li>
    )
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value)
  const [opening, closing] = Array.isArray(value) ? ["[", "]"] : ["{", "}"]
  return (
    <li class="json-branch" data-path={path}>
      <button type="button" class="toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "▾" : "▸"}
      </button>
      {label}
      {opening}
      {open ? (
        <ul>
          {entries.map(([key, item]) => (
            <Node key={String(key)} name={String(key)} value={item} path={pathTo(path, key)} depth={depth + 1} />
          ))}
        </ul>
      ) : (
        <span class="json-summary"> {entries.length} {Array.isArray(value) ? "items" : "keys"} </span>
      )}
      {closing} <Copy path={path} />
    </li>
  )
}

export const JsonTree = ({ value }: { readonly value: unknown }) => (
  <ul class="json-tree">
    <Node name={null} value={value} path="body" depth={0} />
  </ul>
)
