import { useEffect, useState } from "preact/hooks"

// Routes live in the URL's fragment (`#/events/<id>?…`): the service serves one page, and a link can be shared.

export interface Location {
  readonly path: ReadonlyArray<string>
  readonly query: URLSearchParams
}

const current = (): Location => {
  const [path = "", query = ""] = window.location.hash.replace(/^#\/?/, "").split("?")
  return { path: path.split("/").filter((part) => part !== "").map(decodeURIComponent), query: new URLSearchParams(query) }
}

export const useLocation = (): Location => {
  const [location, setLocation] = useState(current)
  useEffect(() => {
    const changed = () => setLocation(current())
    window.addEventListener("hashchange", changed)
    return () => window.removeEventListener("hashchange", changed)
  }, [])
  return location
}

export const href = (path: ReadonlyArray<string>, query?: Record<string, string | undefined>) => {
  const params = new URLSearchParams(
    Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
  ).toString()
  return `#/${path.map(encodeURIComponent).join("/")}${params === "" ? "" : `?${params}`}`
}

export const navigate = (path: ReadonlyArray<string>, query?: Record<string, string | undefined>) => {
  window.location.hash = href(path, query)
}
