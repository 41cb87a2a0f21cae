using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Infernum.Audit.Fast.Forwarding.Tests.Support;

/// <summary>A CA and certificates it signs, made for one test and written as PEM files for rsyslog's GnuTLS driver.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 CreateCa(string name)
    {
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A leaf for <c>localhost</c> and 127.0.0.1 signed by <paramref name="issuer"/>, with its private key.</summary>
    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, string name, bool server) => Create(issuer, name, server, "localhost");

    /// <summary>A server leaf signed by <paramref name="issuer"/> that names only <paramref name="dnsName"/>.</summary>
    public static X509Certificate2 CreateLeafFor(X509Certificate2 issuer, string dnsName) => Create(issuer, dnsName, true, dnsName);

    private static X509Certificate2 Create(X509Certificate2 issuer, string name, bool server, string dnsName)
    {
        using RSA key = RSA.Create(2048);
        CertificateRequest request = new("CN=" + name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        SubjectAlternativeNameBuilder names = new();
        names.AddDnsName(dnsName);
        if (dnsName == "localhost")
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        byte[] serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        using X509Certificate2 signed = request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return signed.CopyWithPrivateKey(key);
    }

    public static void WritePem(X509Certificate2 certificate, string certificatePath, string? keyPath = null)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        if (keyPath is not null)
        {
            using RSA key = certificate.GetRSAPrivateKey()!;
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
    }
}
