<?php
// Service providers known to the test IdP: every $STATE/idp/sp/NAME.xml (SAML 2.0 SP metadata, an
// EntityDescriptor or EntitiesDescriptor), read on each request, so a test registers its SP (with
// the ACS URL of the port it listens on) by writing that file before it starts a sign-in. An optional
// NAME.json beside it overrides IdP settings for that SP, e.g.
//   {"saml20.sign.response": false}          only the assertion signed
//   {"saml20.sign.assertion": false}         only the response signed
//   {"assertion.lifetime": 5}                short-lived assertions
//   {"airgap.mfa_unavailable": "status"}     NoAuthnContext instead of the password class
// (see https://simplesamlphp.org/docs/1.19/simplesamlphp-reference-sp-remote for the keys).
$spDir = dirname(__DIR__, 2) . '/sp';
foreach (glob("$spDir/*.xml") ?: [] as $file) {
    $overrides = [];
    $sidecar = substr($file, 0, -4) . '.json';
    if (is_file($sidecar)) {
        $overrides = json_decode((string) file_get_contents($sidecar), true, 16, JSON_THROW_ON_ERROR);
    }
    foreach (\SimpleSAML\Metadata\SAMLParser::parseDescriptorsFile($file) as $entityId => $parser) {
        $sp = $parser->getMetadata20SP();
        if ($sp !== null) {
            $metadata[$entityId] = array_merge($sp, $overrides);
        }
    }
}
