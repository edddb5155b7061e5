namespace ImagePortal.Dicom.Network;

/// <summary>The UIDs the network layer needs by value (PS3.6 Annex A, PS3.7, PS3.4).</summary>
public static class DicomNetworkUids
{
    /// <summary>PS3.7 A.2.1: the only application context name defined for DICOM.</summary>
    public const string ApplicationContext = "1.2.840.10008.3.1.1.1";

    public const string Verification = "1.2.840.10008.1.1";
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";

    public const string PatientRootFind = "1.2.840.10008.5.1.4.1.2.1.1";
    public const string PatientRootMove = "1.2.840.10008.5.1.4.1.2.1.2";
    public const string PatientRootGet = "1.2.840.10008.5.1.4.1.2.1.3";
    public const string StudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
    public const string StudyRootMove = "1.2.840.10008.5.1.4.1.2.2.2";
    public const string StudyRootGet = "1.2.840.10008.5.1.4.1.2.2.3";

    /// <summary>
    /// Our implementation class UID (PS3.7 D.3.3.2), a UUID-derived UID (PS3.5 B.2) so that no
    /// organisation root is claimed.
    /// </summary>
    public const string ImplementationClassUid = "2.25.54280424320629173436426455401788311950";

    /// <summary>PS3.7 D.3.3.2.2: 1 to 16 characters.</summary>
    public const string ImplementationVersionName = "IMAGEPORTAL_1";
}
