// Reads a `text/event-stream` (the WHATWG format) as it arrives: text in, complete events out. Comments and unknown
// fields are skipped; an event ends at a blank line.

export interface ServerSentEvent {
  readonly id: string | undefined
  readonly event: string
  readonly data: string
}

export const serverSentEventReader = () => {
  let buffer = ""
  let id: string | undefined
  let event = ""
  let data: Array<string> = []
  return (text: string): ReadonlyArray<ServerSentEvent> => {
    buffer += text
    const complete: Array<ServerSentEvent> = []
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/)
      if (end === -1) break
      const line = buffer.slice(0, end)
      buffer = buffer.slice(buffer.startsWith("\r\n", end) ? end + 2 : end + 1)
      if (line === "") {
        if (data.length > 0) complete.push({ id, event: event === "" ? "message" : event, data: data.join("\n") })
        event = ""
        data = []
        continue
      }
      if (line.startsWith(":")) continue
      const colon = line.indexOf(":")
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
      if (field === "data") data.push(value)
      else if (field === "event") event = value
      else if (field === "id") id = value
    }
    return complete
  }
}
