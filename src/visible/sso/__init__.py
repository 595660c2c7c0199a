"""Single sign-on with an organisation's own OpenID Connect provider (docs/sso.md, ADR 0011).

``models``: each organisation's provider (issuer, client, the email domains it serves, whether
it enforces MFA) and the people it has signed in (the subject each is linked to).
``client_secret``: the client secret, kept encrypted. ``fetch``: the only way Visible reaches a
provider (HTTPS, public addresses, small answers, no redirects). ``discovery``: the provider's
configuration and keys, fetched and cached. ``tokens``: the ID token checked, each refusal
with its reason. ``signing_in``: the authorization request (PKCE, state, nonce) and who an ID
token signs in. ``actions``: an administrator's changes, audited.
"""
