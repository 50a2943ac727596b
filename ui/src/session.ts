// The admin token lives in sessionStorage: this tab's session only, gone when the tab closes, never in a URL.

const TOKEN = "eventhook.token"
const TENANT = "eventhook.tenant"

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN)
export const storeToken = (token: string) => sessionStorage.setItem(TOKEN, token)
export const storedTenant = (): string | null => sessionStorage.getItem(TENANT)
export const storeTenant = (slug: string) => sessionStorage.setItem(TENANT, slug)
export const signOut = () => sessionStorage.clear()
