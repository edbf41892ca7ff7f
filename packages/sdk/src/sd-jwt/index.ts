// Low-level SD-JWT (RFC 9901) as the coalition profiles it: packing with decoys, unpacking with every
// check of §7.1, issuing, key binding, verification and the profile check. issueRecord and
// verifyPresentation (the package root) are what most callers need.
export * from './sd-jwt.js'
export * from './signing.js'
export * from './profile.js'
