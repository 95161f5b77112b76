<?php
// The test IdP. A fixed entity id, as a site's IdP has (its endpoints follow the base URL,
// http://127.0.0.1:PORT, whose port changes on each start); the signing key and certificate are made
// with openssl on the first start ($STATE/idp/keys) and kept. SHA-256 signatures, the response and the
// assertion both signed (an SP may ask for less through its sidecar JSON, see saml20-sp-remote.php).
$metadata['urn:airgap-runner:test-idp'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'airgap-users',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'saml20.sign.response' => true,
    'saml20.sign.assertion' => true,
    'assertion.lifetime' => 300,
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
    'NameIDFormat' => [
        'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    ],
    'authproc' => [
        // A disabled account: the IdP knows the user but refuses, and says so to the SP with a
        // signed Response whose status is Responder/RequestDenied (what a leaver looks like).
        // State::throwException hands the error to the SAML IdP's handler, which answers the SP; a
        // plain `throw` here would only show an error page at the IdP.
        10 => [
            'class' => 'core:PHP',
            'code' => '
                if (($attributes["airgap-state"][0] ?? "active") !== "active") {
                    \SimpleSAML\Auth\State::throwException($state, new \SimpleSAML\Module\saml\Error(
                        \SAML2\Constants::STATUS_RESPONDER,
                        \SAML2\Constants::STATUS_REQUEST_DENIED,
                        "account disabled"
                    ));
                }
            ',
        ],
        // MFA as the site's policy: when the SP asks (RequestedAuthnContext) for an MFA class this
        // IdP knows, a user enrolled for MFA (airgap-mfa = yes) gets that class in
        // AuthnContextClassRef; anyone else gets the password class, so the SP must refuse. With
        // `airgap.mfa_unavailable` = "status" in the SP's sidecar JSON the IdP answers
        // Responder/NoAuthnContext instead (what ADFS and Keycloak can be set to do).
        20 => [
            'class' => 'core:PHP',
            'code' => '
                $mfaClasses = [
                    "https://refeds.org/profile/mfa",
                    "http://schemas.microsoft.com/claims/multipleauthn",
                    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
                    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
                ];
                $asked = $state["saml:RequestedAuthnContext"]["AuthnContextClassRef"] ?? [];
                $askedMfa = array_values(array_intersect($asked, $mfaClasses));
                if ($askedMfa !== []) {
                    if (($attributes["airgap-mfa"][0] ?? "no") === "yes") {
                        $state["saml:AuthnContextClassRef"] = $askedMfa[0];
                    } elseif (($state["SPMetadata"]["airgap.mfa_unavailable"] ?? "password") === "status") {
                        \SimpleSAML\Auth\State::throwException($state, new \SimpleSAML\Module\saml\Error(
                            \SAML2\Constants::STATUS_RESPONDER,
                            \SAML2\Constants::STATUS_NO_AUTHN_CONTEXT,
                            "no second factor enrolled"
                        ));
                    }
                }
                if (!isset($state["saml:AuthnContextClassRef"])) {
                    $state["saml:AuthnContextClassRef"] = \SAML2\Constants::AC_PASSWORD_PROTECTED_TRANSPORT;
                }
                unset($attributes["airgap-mfa"], $attributes["airgap-state"]);
            ',
        ],
        // NameIDs: persistent (opaque, stable per SP), emailAddress (mail), unspecified (uid).
        30 => ['class' => 'saml:PersistentNameID', 'attribute' => 'uid'],
        31 => [
            'class' => 'saml:AttributeNameID',
            'attribute' => 'mail',
            'Format' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        ],
        32 => [
            'class' => 'saml:AttributeNameID',
            'attribute' => 'uid',
            'Format' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        ],
    ],
];
